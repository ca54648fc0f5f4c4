package deposit

import (
	"bytes"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"gjj/internal/platform/errs"
)

// sheetCell is a cell's text as written in the workbook; numeric marks a cell
// stored as a number (its text may carry binary floating-point noise).
type sheetCell struct {
	text    string
	numeric bool
}

// sheetRow is a non-blank row with its row number as Excel shows it.
type sheetRow struct {
	n     int
	cells []sheetCell
}

// readSheet reads the non-blank rows of the first worksheet of an .xlsx
// upload (at most maxXLSXBytes, maxXLSXUnzip unpacked).
func readSheet(r io.Reader) ([]sheetRow, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxXLSXBytes+1))
	if err != nil {
		return nil, ErrBadSheet.Wrap(err)
	}
	if len(data) > maxXLSXBytes {
		return nil, errs.Newf(errs.Invalid, ErrBadSheet.Code, "上传的文件过大（最大 %d MB）", maxXLSXBytes>>20)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxXLSXUnzip, UnzipXMLSizeLimit: maxXLSXUnzip})
	if err != nil {
		return nil, ErrBadSheet.Wrap(err)
	}
	defer f.Close()
	name := f.GetSheetName(0)
	if name == "" {
		return nil, ErrBadSheet
	}
	raw, err := f.GetRows(name, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, ErrBadSheet.Wrap(err)
	}
	var out []sheetRow
	for i, cols := range raw {
		row := sheetRow{n: i + 1}
		blank := true
		for j, v := range cols {
			cell := sheetCell{text: v}
			if v != "" {
				ref, _ := excelize.CoordinatesToCellName(j+1, i+1)
				if t, err := f.GetCellType(name, ref); err == nil && (t == excelize.CellTypeNumber || t == excelize.CellTypeUnset) {
					if _, perr := strconv.ParseFloat(v, 64); perr == nil {
						cell = sheetCell{text: plainNumber(v), numeric: true}
					}
				}
			}
			row.cells = append(row.cells, cell)
			blank = blank && strings.TrimSpace(cell.text) == ""
		}
		if !blank {
			out = append(out, row)
		}
	}
	return out, nil
}

// plainNumber shows a stored number without an exponent (an account number
// 290000000001 stored as 2.90000000001E+11 comes back as 290000000001).
func plainNumber(v string) string {
	if !strings.ContainsAny(v, "eE") {
		return v
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return v
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// sheetHeader normalises a header title: no spaces, ASCII parentheses.
func sheetHeader(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\u3000':
			return -1
		case '（':
			return '('
		case '）':
			return ')'
		}
		return r
	}, s)
}

// writeSheet writes rows as a one-sheet workbook: numeric cells as numbers
// shown with two decimals, the rest as text.
func writeSheet(w io.Writer, sheetName string, rows [][]sheetCell) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheetName); err != nil {
		return err
	}
	money, err := f.NewStyle(&excelize.Style{NumFmt: 2})
	if err != nil {
		return err
	}
	for i, r := range rows {
		for j, c := range r {
			ref, err := excelize.CoordinatesToCellName(j+1, i+1)
			if err != nil {
				return err
			}
			if c.numeric {
				v, err := strconv.ParseFloat(c.text, 64)
				if err != nil {
					return err
				}
				if err := f.SetCellFloat(sheetName, ref, v, 2, 64); err != nil {
					return err
				}
				if err := f.SetCellStyle(sheetName, ref, ref, money); err != nil {
					return err
				}
				continue
			}
			if err := f.SetCellStr(sheetName, ref, c.text); err != nil {
				return err
			}
		}
	}
	return f.Write(w)
}
