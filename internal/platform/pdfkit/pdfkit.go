// Package pdfkit is the small drawing kit shared by the platform's PDFs —
// the deposit certificate (缴存证明), the loan settlement certificate (结清证明)
// and the kiosk's printed statement (个人账户明细): finding and caching the
// Chinese TrueType font, starting an A4 document in points with that font
// embedded as "body", text primitives whose first error sticks (so drawing
// code reads as a list of calls), the glyphs the font lacks, and a guard
// that turns a panic inside the PDF library into an error.
//
// What each document draws — frames, titles, tables, seals, verification
// footers — stays with the document: the three differ in layout, and the
// kit holds only what they do identically.
package pdfkit

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/signintech/gopdf"
)

// ErrNoFont is returned (wrapped in a *FontError) when no font file could be
// read or the font cannot be embedded. Callers answer it with their own
// coded error (deposit.pdf_font_missing, loan.pdf_font_missing, …).
var ErrNoFont = errors.New("pdfkit: no usable font")

// FontError says which font files were tried.
type FontError struct {
	Paths []string // the files tried, in order
	Err   error    // the embedding error, nil when no file could be read
}

func (e *FontError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("pdfkit: font %s not usable: %v", strings.Join(e.Paths, ", "), e.Err)
	}
	return "pdfkit: no font file readable of " + strings.Join(e.Paths, ", ")
}

// Unwrap makes errors.Is(err, ErrNoFont) hold, and reaches the embedding error.
func (e *FontError) Unwrap() []error { return []error{ErrNoFont, e.Err} }

// fontCache keeps font files read once (the CJK font is ~16 MB).
var fontCache sync.Map // path → []byte

// LoadFont returns the bytes of the TrueType font at path or, when path is
// "", of the first readable file of candidates, and the file used. Each file
// is read once per process. Any goroutine may call it.
//
// Errors: a *FontError (errors.Is ErrNoFont) naming the files tried.
func LoadFont(path string, candidates []string) ([]byte, string, error) {
	paths := candidates
	if path != "" {
		paths = []string{path}
	}
	for _, p := range paths {
		if b, ok := fontCache.Load(p); ok {
			return b.([]byte), p, nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		fontCache.Store(p, b)
		return b, p, nil
	}
	return nil, "", &FontError{Paths: slices.Clone(paths)}
}

// Info is a document's metadata (Creator and Producer are always "gjj").
type Info struct {
	Title, Author, Subject string
	Created                time.Time // zero: none recorded
}

// Page geometry of A4 portrait in points.
const (
	PageW = 595.28
	PageH = 841.89
)

// Doc is one A4 portrait document in points with one embedded font,
// "body". Its drawing methods do nothing after the first error, which Err
// returns; PDF is the underlying gopdf document for lines, shapes and
// colors. A Doc is used by one goroutine.
type Doc struct {
	PDF     *gopdf.GoPdf
	err     error
	missing map[rune]bool
}

// New starts a document with info and the font (LoadFont's bytes), ready
// for its first AddPage. Characters the font lacks are recorded (Missing).
//
// Errors: a *FontError (errors.Is ErrNoFont) when the font cannot be
// embedded.
func New(info Info, font []byte) (*Doc, error) {
	d := &Doc{PDF: &gopdf.GoPdf{}, missing: map[rune]bool{}}
	d.PDF.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	d.PDF.SetInfo(gopdf.PdfInfo{Title: info.Title, Author: info.Author, Subject: info.Subject, Creator: "gjj", Producer: "gjj",
		CreationDate: info.Created})
	opts := gopdf.TtfOption{OnGlyphNotFound: func(ch rune) { d.missing[ch] = true }}
	if err := d.PDF.AddTTFFontDataWithOption("body", font, opts); err != nil {
		return nil, &FontError{Err: err}
	}
	return d, nil
}

// Err is the first drawing error, nil when there was none.
func (d *Doc) Err() error { return d.err }

// Fail records err as the drawing error unless one is recorded already.
func (d *Doc) Fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// Font sets the size of the body font.
func (d *Doc) Font(size float64) {
	if d.err == nil {
		d.err = d.PDF.SetFont("body", "", size)
	}
}

// Width is the width of s in the current font (0 after an error).
func (d *Doc) Width(s string) float64 {
	if d.err != nil {
		return 0
	}
	w, err := d.PDF.MeasureTextWidth(s)
	if err != nil {
		d.err = err
	}
	return w
}

// Text writes s with its top-left corner at x, y in the current font; an
// empty s draws nothing.
func (d *Doc) Text(x, y float64, s string) {
	if d.err != nil || s == "" {
		return
	}
	d.PDF.SetXY(x, y)
	d.err = d.PDF.Cell(nil, s)
}

// Baseline writes s starting at x on the baseline y in the current font.
func (d *Doc) Baseline(x, y float64, s string) {
	if d.err != nil {
		return
	}
	d.PDF.SetXY(x, y)
	d.err = d.PDF.Text(s)
}

// Box writes s inside the rectangle x, y, w, h with a gopdf alignment
// (gopdf.Left|gopdf.Middle, …); an empty s draws nothing.
func (d *Doc) Box(x, y, w, h float64, s string, align int) {
	if d.err != nil || s == "" {
		return
	}
	d.PDF.SetXY(x, y)
	d.err = d.PDF.CellWithOption(&gopdf.Rect{W: w, H: h}, s, gopdf.CellOption{Align: align})
}

// Color sets the text, stroke and fill color.
func (d *Doc) Color(red, green, blue uint8) {
	d.PDF.SetTextColor(red, green, blue)
	d.PDF.SetStrokeColor(red, green, blue)
	d.PDF.SetFillColor(red, green, blue)
}

// Missing is the characters drawn that the font has no glyph for (in no
// particular order), "" when there were none. Documents with content from
// people (names, unit names) refuse to be written with missing glyphs.
func (d *Doc) Missing() string {
	var b strings.Builder
	for ch := range d.missing {
		b.WriteRune(ch)
	}
	return b.String()
}

// Output writes the document to w, or returns the drawing error without
// writing anything.
func (d *Doc) Output(w io.Writer) error {
	if d.err != nil {
		return d.err
	}
	_, err := d.PDF.WriteTo(w)
	return err
}

// Recover, deferred by a render function with a named error result, turns
// a panic inside the PDF library into an error "<what>: <panic>":
//
//	defer pdfkit.Recover(&err, "loan: render settlement "+st.LoanNo)
func Recover(err *error, what string) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("%s: %v", what, p)
	}
}
