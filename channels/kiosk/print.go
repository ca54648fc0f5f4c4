package kiosk

import (
	"bytes"
	"context"
	"strconv"
	"time"

	"gjj/internal/core/deposit"
	"gjj/internal/identity"
	kioskdev "gjj/internal/kiosk"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
)

// The kinds of printed documents.
const (
	KindStatement   = "statement"
	KindCertificate = "deposit_certificate"
	KindSettlement  = "loan_settlement"
)

// errLoanNo answers a settlement print without a loan number.
var errLoanNo = errs.New(errs.Invalid, "kiosk.loan_no", "请选择要打印结清证明的贷款").With("field", "loan_no")

// document is a printed document.
type document struct {
	PDF      []byte
	Filename string
	DocNo    string
}

// printRequest says what to print.
type printRequest struct {
	Kind     string
	From, To date.Date // statement period (zero: open)
	LoanNo   string    // settlement
}

// print makes the document of the person's own account or loan, counts it
// against the daily limit and logs it (kioskdev.ErrPrintLimit past the limit:
// nothing is issued). A deposit certificate is a new numbered, verifiable
// certificate; a statement lists up to 200 postings of the period.
func (s *Service) print(ctx context.Context, kioskID string, p *identity.Principal, r printRequest) (*document, error) {
	today, err := s.d.Dates.Today(ctx)
	if err != nil {
		return nil, err
	}
	if n, err := s.Devices.Prints(ctx, p.PersonID(), today); err != nil {
		return nil, err
	} else if n >= s.d.PrintLimit {
		return nil, kioskdev.ErrPrintLimit.With("limit", s.d.PrintLimit)
	}
	var doc document
	var buf bytes.Buffer
	switch r.Kind {
	case KindCertificate:
		e, err := s.d.Deposit.PersonAccount(ctx, p.PersonID())
		if err != nil {
			return nil, err
		}
		cert, err := s.d.Deposit.IssueCertificate(ctx, "", e.AccountNo)
		if err != nil {
			return nil, err
		}
		if err := s.d.Deposit.CertificatePDF(ctx, cert, &buf); err != nil {
			return nil, err
		}
		doc.DocNo, doc.Filename = cert.CertNo, cert.CertNo+".pdf"
	case KindStatement:
		e, err := s.d.Deposit.PersonAccount(ctx, p.PersonID())
		if err != nil {
			return nil, err
		}
		st, err := s.d.Deposit.Statement(ctx, "", e.AccountNo, deposit.StatementQuery{From: r.From, To: r.To, Limit: 200})
		if err != nil {
			return nil, err
		}
		doc.DocNo = "KS" + strconv.FormatInt(time.Now().UnixNano(), 36)
		doc.Filename = "statement-" + e.AccountNo + ".pdf"
		if err := renderStatementPDF(statementPrint{St: st, IDMasked: ident.MaskIDNumber(e.IDNumber), From: r.From, To: r.To,
			PrintNo: doc.DocNo, Kiosk: kioskID, Center: deposit.IssuingCenter}, &buf); err != nil {
			return nil, err
		}
	case KindSettlement:
		if r.LoanNo == "" {
			return nil, errLoanNo
		}
		l, err := s.d.Loan.Loan(ctx, p.PersonID(), r.LoanNo)
		if err != nil {
			return nil, err
		}
		if err := s.d.Loan.SettlementPDF(ctx, l, &buf); err != nil {
			return nil, err
		}
		doc.DocNo, doc.Filename = "JQ"+l.LoanNo, "settlement-"+l.LoanNo+".pdf"
	default:
		return nil, errs.New(errs.Invalid, "kiosk.print_kind", "不支持打印该材料")
	}
	if err := s.Devices.RecordPrint(ctx, kioskdev.Print{Kiosk: kioskID, PersonID: p.PersonID(), Kind: r.Kind, DocNo: doc.DocNo, On: today},
		s.d.PrintLimit); err != nil {
		return nil, err
	}
	doc.PDF = buf.Bytes()
	return &doc, nil
}
