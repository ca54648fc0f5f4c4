package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/platform/errs"
)

// BindJSON decodes the request body, which must be exactly one JSON value,
// into v (a pointer). Unknown fields are refused. Any handler may call it; the
// error is ready to return as is:
//
//   - errs.Invalid "request.unsupported_media_type" (answered 415) when
//     Content-Type is not application/json (a utf-8 charset is allowed);
//   - errs.Invalid "request.too_large" (answered 413) past the body limit;
//   - errs.Invalid "request.empty_body", "request.malformed_json" (with the
//     byte offset, or trailing data after the value), "request.unknown_field"
//     or "request.invalid_field" (wrong JSON type, or a number that does not
//     fit the Go type) with the field named in the message and in Details;
//   - a plain error (internal) when v is not a pointer or reading the body
//     fails for another reason.
//
// Range and business checks (for example a negative amount) are the domain's.
func BindJSON(c echo.Context, v any) error {
	req := c.Request()
	if !isJSONContentType(req.Header.Get(echo.HeaderContentType)) {
		return errs.New(errs.Invalid, CodeUnsupportedMediaType, "请求内容格式必须是 application/json")
	}
	if req.Body == nil || req.Body == http.NoBody {
		return errs.New(errs.Invalid, CodeEmptyBody, "请求内容为空，请提交 JSON 数据")
	}
	dec := json.NewDecoder(req.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	// Exactly one value: anything but whitespace after it is refused.
	var extra json.RawMessage
	switch err := dec.Decode(&extra); {
	case err == io.EOF:
		return nil
	case err != nil && isMaxBytes(err):
		return decodeError(err)
	default:
		return errs.New(errs.Invalid, CodeMalformedJSON, "请求内容在 JSON 数据之后还有多余内容").With("offset", dec.InputOffset())
	}
}

func isJSONContentType(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != echo.MIMEApplicationJSON {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8") || strings.EqualFold(cs, "utf8")
}

func isMaxBytes(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// unknownFieldPrefix is how encoding/json reports DisallowUnknownFields.
const unknownFieldPrefix = `unknown field "`

func decodeError(err error) error {
	var (
		mbe  *http.MaxBytesError
		syn  *json.SyntaxError
		typ  *json.UnmarshalTypeError
		inv  *json.InvalidUnmarshalError
		desc = err.Error()
	)
	switch {
	case errors.As(err, &mbe):
		return tooLarge(mbe.Limit).Wrap(err)
	case err == io.EOF:
		return errs.New(errs.Invalid, CodeEmptyBody, "请求内容为空，请提交 JSON 数据")
	case errors.As(err, &syn):
		return errs.Newf(errs.Invalid, CodeMalformedJSON, "请求内容不是有效的 JSON：第 %d 字节附近有语法错误", syn.Offset).
			With("offset", syn.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errs.New(errs.Invalid, CodeMalformedJSON, "请求内容不是有效的 JSON：数据不完整")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return errs.New(errs.Invalid, CodeInvalidField, "请求内容的 JSON 类型不正确")
		}
		return errs.Newf(errs.Invalid, CodeInvalidField, "字段 %s 的值类型或范围不正确", typ.Field).With("field", typ.Field)
	case errors.As(err, &inv):
		return fmt.Errorf("web.BindJSON: %w", err)
	case strings.Contains(desc, unknownFieldPrefix):
		name := desc[strings.Index(desc, unknownFieldPrefix)+len(unknownFieldPrefix)-1:]
		if u, uerr := strconv.QuotedPrefix(name); uerr == nil {
			name, _ = strconv.Unquote(u)
		}
		return errs.Newf(errs.Invalid, CodeUnknownField, "请求中包含未知字段 %s", name).With("field", name)
	default:
		return fmt.Errorf("web.BindJSON: read body: %w", err)
	}
}
