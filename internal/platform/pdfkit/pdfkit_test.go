package pdfkit_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signintech/gopdf"

	"gjj/internal/platform/pdfkit"
	"gjj/internal/platform/testenv"
)

// fontFile is the Debian CJK TrueType font the platform's PDFs use.
const fontFile = "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf"

// tools returns pdftotext and the font's bytes, or skips (fails under
// GJJ_TEST_REQUIRE=pdf) without them.
func tools(t *testing.T) (string, []byte) {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	font, _, ferr := pdfkit.LoadFont("", []string{fontFile})
	if err != nil || ferr != nil {
		msg := "pdfkit check needs pdftotext (poppler-utils) and fonts-lxgw-wenkai"
		if testenv.Required("pdf") {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return bin, font
}

func pdfToText(t *testing.T, bin string, pdf []byte) string {
	t.Helper()
	cmd := exec.Command(bin, "-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestLoadFont: a configured path wins over the candidates, the first
// readable candidate is used, and without one the error names every file
// tried and is ErrNoFont.
func TestLoadFont(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.ttf"), filepath.Join(dir, "b.ttf")
	if err := os.WriteFile(a, []byte("font A"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, []byte("font B"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.ttf")
	cases := []struct {
		name       string
		path       string
		candidates []string
		want, used string
		tried      []string // on error
	}{
		{"configured path", b, []string{a}, "font B", b, nil},
		{"first readable candidate", "", []string{missing, a, b}, "font A", a, nil},
		{"configured path missing", missing, []string{a}, "", "", []string{missing}},
		{"no candidate readable", "", []string{missing, filepath.Join(dir, "other.ttf")}, "", "",
			[]string{missing, filepath.Join(dir, "other.ttf")}},
	}
	for _, c := range cases {
		font, used, err := pdfkit.LoadFont(c.path, c.candidates)
		if c.tried != nil {
			var fe *pdfkit.FontError
			if !errors.Is(err, pdfkit.ErrNoFont) || !errors.As(err, &fe) || strings.Join(fe.Paths, ",") != strings.Join(c.tried, ",") {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err != nil || string(font) != c.want || used != c.used {
			t.Errorf("%s: %q from %s, %v; want %q from %s", c.name, font, used, err, c.want, c.used)
		}
	}
	// Read once: a changed file is not read again.
	if err := os.WriteFile(a, []byte("font A2"), 0o600); err != nil {
		t.Fatal(err)
	}
	if font, _, _ := pdfkit.LoadFont(a, nil); string(font) != "font A" {
		t.Errorf("font read again: %q", font)
	}
}

// TestNewRefusesJunkFont: a file that is no TrueType font is ErrNoFont.
func TestNewRefusesJunkFont(t *testing.T) {
	if _, err := pdfkit.New(pdfkit.Info{Title: "x"}, []byte("not a font at all")); !errors.Is(err, pdfkit.ErrNoFont) {
		t.Fatalf("junk font: %v", err)
	}
}

// TestDraw: the three text primitives put their text on the page
// (pdftotext reads it back), the metadata is set, a character the font
// lacks is reported, and the first drawing error sticks: nothing is
// written after it.
func TestDraw(t *testing.T) {
	bin, font := tools(t)
	d, err := pdfkit.New(pdfkit.Info{Title: "测试文档 T-1", Author: "示例中心"}, font)
	if err != nil {
		t.Fatal(err)
	}
	d.PDF.AddPage()
	d.Font(14)
	if w1, w2 := d.Width("住房公积金"), d.Width("住房"); w1 <= w2 || w2 <= 0 {
		t.Errorf("widths %v %v", w1, w2)
	}
	d.Text(60, 60, "左上角定位的文字")
	d.Baseline(60, 120, "基线定位的文字")
	d.Box(60, 160, 400, 20, "居中的方框文字", gopdf.Center|gopdf.Middle)
	d.Text(60, 200, "") // nothing
	if d.Missing() != "" || d.Err() != nil {
		t.Fatalf("missing %q err %v", d.Missing(), d.Err())
	}
	var buf bytes.Buffer
	if err := d.Output(&buf); err != nil {
		t.Fatal(err)
	}
	text := pdfToText(t, bin, buf.Bytes())
	for _, want := range []string{"左上角定位的文字", "基线定位的文字", "居中的方框文字"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF lacks %q:\n%s", want, text)
		}
	}
	if !bytes.Contains(buf.Bytes(), []byte("/Producer")) {
		t.Error("no metadata")
	}

	g, err := pdfkit.New(pdfkit.Info{Title: "glyphs"}, font)
	if err != nil {
		t.Fatal(err)
	}
	g.PDF.AddPage()
	g.Font(12)
	g.Text(60, 60, "王\uE000国")
	if got := g.Missing(); got != "\uE000" {
		t.Errorf("missing glyphs %q", got)
	}

	e, err := pdfkit.New(pdfkit.Info{Title: "error"}, font)
	if err != nil {
		t.Fatal(err)
	}
	e.PDF.AddPage()
	boom := errors.New("boom")
	e.Fail(boom)
	e.Fail(errors.New("later"))
	e.Font(12)
	e.Text(60, 60, "不应写出")
	if e.Width("任何") != 0 || !errors.Is(e.Err(), boom) {
		t.Errorf("error did not stick: %v", e.Err())
	}
	buf.Reset()
	if err := e.Output(&buf); !errors.Is(err, boom) || buf.Len() != 0 {
		t.Errorf("written after an error: %v, %d bytes", err, buf.Len())
	}
}

// TestRecover: a panic while rendering becomes the render's error.
func TestRecover(t *testing.T) {
	render := func(fail bool) (err error) {
		defer pdfkit.Recover(&err, "test: render R-1")
		if fail {
			panic("library bug")
		}
		return nil
	}
	if err := render(false); err != nil {
		t.Errorf("no panic: %v", err)
	}
	if err := render(true); err == nil || err.Error() != "test: render R-1: library bug" {
		t.Errorf("panic: %v", err)
	}
}
