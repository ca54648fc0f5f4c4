package gov

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/audit"
	"gjj/internal/govshare"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/web"
	"gjj/internal/signing"
)

// Applications from the 政务服务 platform (一网通办): the platform applies
// on a person's behalf with the agency's signature and the reference of the
// person's recorded authorization (授权, which must cover "basic" and list
// the person). The application passes the gate as channel gov (item GR-03)
// and enters the same core function as the app: the deposit core's
// certificate issuer (deposit.Service.IssueCertificate, numbered, audited,
// verifiable at /verify/<code>).
//
// (The retirement withdrawal application, POST
// /api/gov/v1/applications/retirement-withdrawal, is in withdrawal.go.)
//
// POST /api/gov/v1/applications/deposit-certificate
//
//	{"authorization_ref", "applicant": {"name", "id_type": "01", "id_number"}}
//	→ 201 {"cert_no", "verify_code", "issued_on", "content_hash", "pdf_base64"}
//
// Refusals (audited gov.application, result refused, nothing issued):
// gov.kind_not_allowed, gov.no_authorization, gov.authorization_expired,
// gov.authorization_kind, gov.member_not_authorized, gov.bad_members, and
// gov.applicant_unknown (no such person, the name differs, or no account);
// the core's own refusals (deposit.employee_status for a closed account).

// ErrApplicantUnknown: the applicant is not a person with an account under
// that name (the same answer whichever differs).
var ErrApplicantUnknown = errs.New(errs.NotFound, "gov.applicant_unknown", "未找到与申请人姓名、证件号码相符的住房公积金账户")

type applicationBody struct {
	AuthorizationRef string `json:"authorization_ref"`
	Applicant        member `json:"applicant"`
}

// registerApplications mounts the application routes (signed, as agency, gate).
func (s *Service) registerApplications(e *echo.Echo, signed echo.MiddlewareFunc) {
	e.POST(Base+"/applications/deposit-certificate", s.certificateApplication, signed, asAgency, s.d.Gate.Middleware(Channel, "GR-03"))
	e.POST(Base+"/applications/retirement-withdrawal", s.retirementApplication, signed, asAgency, s.d.Gate.Middleware(Channel, ItemRetirement)) // withdrawal.go
}

func (s *Service) certificateApplication(c echo.Context) error {
	var b applicationBody
	if err := web.BindJSON(c, &b); err != nil {
		return err
	}
	ctx := c.Request().Context()
	accountNo, app, err := s.openApplication(c, b.AuthorizationRef, b.Applicant, govshare.KindBasic, "deposit_certificate")
	if err == nil {
		cert, ierr := s.d.Deposit.IssueCertificate(ctx, "", accountNo)
		if ierr == nil {
			var pdf bytes.Buffer
			if perr := s.d.Deposit.CertificatePDF(ctx, cert, &pdf); perr != nil {
				return perr
			}
			app.summary["cert_no"] = cert.CertNo
			if aerr := s.acceptApplication(ctx, app); aerr != nil {
				return aerr
			}
			return c.JSON(http.StatusCreated, map[string]any{"cert_no": cert.CertNo, "verify_code": cert.VerifyCode,
				"issued_on": cert.IssuedOn.String(), "content_hash": cert.ContentHash,
				"pdf_base64": base64.StdEncoding.EncodeToString(pdf.Bytes())})
		}
		err = ierr
	}
	return s.refuseApplication(ctx, app, err)
}

// application is the audit record of one application from the 政务服务
// platform (action gov.application, object agency/authorization reference)
// and the summary it will carry.
type application struct {
	rec     audit.Record
	summary map[string]any
}

// openApplication starts the audit record of an application of the kind
// (label names it in the record), checks that the agency's authorization
// covers the kind and lists the applicant, and finds the applicant's account.
// Errors: the authorization refusals, ErrApplicantUnknown.
func (s *Service) openApplication(c echo.Context, ref string, applicant member, kind, label string) (string, *application, error) {
	ctx := c.Request().Context()
	agencyID := signing.Client(c)
	ids, err := normalise([]member{applicant})
	var accountNo string
	if err == nil {
		err = s.authorize(ctx, agencyID, ref, kind, ids)
	}
	if err == nil {
		accountNo, err = s.applicantAccount(c, applicant.Name, ids[0])
	}
	masked := ""
	if len(ids) == 1 {
		masked = ident.MaskIDNumber(ids[0])
	}
	return accountNo, &application{
		rec:     audit.Record{Action: "gov.application", Object: clip("agency:"+agencyID+"/"+ref, audit.MaxObject)},
		summary: map[string]any{"kind": label, "applicant": masked},
	}, err
}

// acceptApplication writes the record of an accepted application.
func (s *Service) acceptApplication(ctx context.Context, app *application) error {
	app.rec.After = audit.Summary(app.summary)
	_, err := s.d.Audit.Write(ctx, app.rec)
	return err
}

// refuseApplication writes the record of a refused application (not of an
// internal failure) and returns err.
func (s *Service) refuseApplication(ctx context.Context, app *application, err error) error {
	app.rec.Result = audit.ResultRefused
	app.summary["code"] = errs.E(err).Code
	app.rec.After = audit.Summary(app.summary)
	if e := errs.E(err); e.Kind != errs.Internal && e.Kind != "" {
		if _, aerr := s.d.Audit.Write(ctx, app.rec); aerr != nil {
			return aerr
		}
	}
	return err
}

// applicantAccount is the account of the person with the ID number and name
// (ErrApplicantUnknown otherwise).
func (s *Service) applicantAccount(c echo.Context, name, idNumber string) (string, error) {
	ctx := c.Request().Context()
	p, err := s.d.Identity.PersonByIDNumber(ctx, idNumber)
	if err != nil {
		return "", err
	}
	if p == nil || p.Name != strings.TrimSpace(name) {
		return "", ErrApplicantUnknown
	}
	e, err := s.d.Deposit.PersonAccount(ctx, p.ID)
	if errs.KindOf(err) == errs.NotFound {
		return "", ErrApplicantUnknown
	}
	if err != nil {
		return "", err
	}
	return e.AccountNo, nil
}
