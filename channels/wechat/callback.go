package wechat

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/silenceper/wechat/v2/officialaccount/message"
	"github.com/silenceper/wechat/v2/util"

	"gjj/internal/platform/errs"
)

// Limits of the message server.
const (
	// MaxBody is the largest callback body accepted; WeChat's messages are a
	// few kilobytes, encrypted ones a third more.
	MaxBody = 32 << 10
	// MaxSkew is how far a callback's timestamp may lie from now.
	MaxSkew = 5 * time.Minute
	// maxDepth bounds element nesting (WeChat's messages nest three deep).
	maxDepth = 8
	// seenTTL keeps a message's de-duplication key past the freshness
	// window, so a replay is refused by one check or the other.
	seenTTL = 2*MaxSkew + time.Minute
)

// Refusals of the message server. WeChat's servers never show them to a
// follower; they are for the operator (and for forged requests).
var (
	// ErrBadSignature: the signature (or safe mode's msg_signature) does
	// not match the token, or the encrypted message does not decrypt.
	ErrBadSignature = errs.New(errs.Forbidden, "wechat.bad_signature", "微信消息签名校验失败")
	// ErrStale: the timestamp is missing or more than MaxSkew from now.
	ErrStale = errs.New(errs.Forbidden, "wechat.stale", "微信消息时间戳无效或已过期")
	// ErrBadXML: not a WeChat message, or XML with a DTD, an entity
	// declaration or reference, a processing instruction or deep nesting.
	ErrBadXML = errs.New(errs.Invalid, "wechat.bad_xml", "微信消息格式不正确")
	// ErrSafeModeOff: an encrypted message while no EncodingAESKey is configured.
	ErrSafeModeOff = errs.New(errs.Invalid, "wechat.safe_mode_off", "未配置消息加解密密钥，无法处理安全模式消息")
)

// callback is the message server: GET answers WeChat's server check, POST a
// message or event.
func (s *Service) callback(c echo.Context) error {
	req := c.Request()
	q := req.URL.Query()
	ts, nonce := q.Get("timestamp"), q.Get("nonce")
	if !sameHex(q.Get("signature"), util.Signature(s.cfg.Token, ts, nonce)) {
		return ErrBadSignature
	}
	if err := s.fresh(ts); err != nil {
		return err
	}
	if req.Method == http.MethodGet {
		echostr := q.Get("echostr")
		if echostr == "" || len(echostr) > 128 {
			return ErrBadXML.With("field", "echostr")
		}
		return c.String(http.StatusOK, echostr)
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response().Writer, req.Body, MaxBody))
	if err != nil {
		return err // *http.MaxBytesError: the web kit answers 413
	}
	safe := q.Get("encrypt_type") == "aes"
	if safe {
		if body, err = s.decrypt(q.Get("msg_signature"), ts, nonce, body); err != nil {
			return err
		}
	}
	var msg message.MixMessage
	if err := decodeXML(body, &msg); err != nil {
		return err
	}
	if !goodOpenID(string(msg.FromUserName)) || msg.ToUserName == "" || msg.MsgType == "" {
		return ErrBadXML
	}
	ctx := req.Context()
	first, err := s.firstDelivery(ctx, &msg)
	if err != nil {
		return err // the store is down: WeChat retries
	}
	text := ""
	if first {
		text = s.answer(ctx, &msg)
	}
	if text == "" {
		return c.String(http.StatusOK, "success") // WeChat's "nothing to say"
	}
	reply := message.NewText(text)
	reply.ToUserName, reply.FromUserName = msg.FromUserName, msg.ToUserName
	reply.CreateTime, reply.MsgType = s.now().Unix(), message.MsgTypeText
	out, err := xml.Marshal(reply)
	if err != nil {
		return err
	}
	if safe {
		if out, err = s.encrypt(out, ts, nonce); err != nil {
			return err
		}
	}
	return c.Blob(http.StatusOK, "application/xml; charset=utf-8", out)
}

// fresh checks the request's timestamp against MaxSkew.
func (s *Service) fresh(ts string) error {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrStale
	}
	if d := s.now().Sub(time.Unix(sec, 0)); d > MaxSkew || d < -MaxSkew {
		return ErrStale
	}
	return nil
}

// decrypt checks safe mode's msg_signature over the encrypted message and
// returns the plain message XML.
func (s *Service) decrypt(msgSig, ts, nonce string, body []byte) ([]byte, error) {
	if s.cfg.AESKey == "" {
		return nil, ErrSafeModeOff
	}
	var env message.EncryptedXMLMsg
	if err := decodeXML(body, &env); err != nil {
		return nil, err
	}
	if env.EncryptedMsg == "" || !sameHex(msgSig, util.Signature(s.cfg.Token, ts, nonce, env.EncryptedMsg)) {
		return nil, ErrBadSignature
	}
	_, plain, err := util.DecryptMsg(s.cfg.AppID, env.EncryptedMsg, s.cfg.AESKey)
	if err != nil {
		return nil, ErrBadSignature.Wrap(err)
	}
	return plain, nil
}

// encrypt wraps a reply for safe mode: AES with a fresh random prefix, signed
// with the request's timestamp and nonce.
func (s *Service) encrypt(raw []byte, ts, nonce string) ([]byte, error) {
	random := make([]byte, 16)
	if _, err := rand.Read(random); err != nil {
		return nil, err
	}
	enc, err := util.EncryptMsg(random, raw, s.cfg.AppID, s.cfg.AESKey)
	if err != nil {
		return nil, err
	}
	sec, _ := strconv.ParseInt(ts, 10, 64) // checked by fresh
	return xml.Marshal(message.ResponseEncryptedXMLMsg{EncryptedMsg: string(enc),
		MsgSignature: util.Signature(s.cfg.Token, ts, nonce, string(enc)), Timestamp: sec, Nonce: nonce})
}

// firstDelivery reports whether the message is seen for the first time: its
// MsgId (events: sender, time and event) is claimed in the key-value store
// for seenTTL. A WeChat retry of a slow answer counts as a replay too.
func (s *Service) firstDelivery(ctx context.Context, m *message.MixMessage) (bool, error) {
	id := "msg:" + strconv.FormatInt(m.MsgID, 10)
	if m.MsgID == 0 {
		id = "evt:" + string(m.FromUserName) + ":" + strconv.FormatInt(m.CreateTime, 10) + ":" + string(m.Event) + ":" + m.EventKey
	}
	h := sha256.Sum256([]byte(s.cfg.AppID + "|" + id))
	return s.d.KV.SetNX(ctx, "wechat:seen:"+hex.EncodeToString(h[:]), "1", seenTTL)
}

// sameHex compares a presented signature with the expected one in constant time.
func sameHex(got, want string) bool {
	return len(got) == len(want) && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// decodeXML guards and then decodes a message. The guard runs the tokenizer
// first and refuses DTDs and entity declarations (<!DOCTYPE …>, <!ENTITY …>,
// any <!…> directive), processing instructions other than the XML
// declaration, entity references other than XML's five and character
// references (the decoder's strict mode), and nesting deeper than maxDepth.
// encoding/xml neither fetches external entities nor expands declared ones,
// so none of this could be expanded; it is refused because no WeChat message
// carries it. Then encoding/xml decodes v.
func decodeXML(b []byte, v any) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	depth := 0
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return ErrBadXML.Wrap(err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return ErrBadXML.With("reason", "directive")
		case xml.ProcInst:
			if t.Target != "xml" {
				return ErrBadXML.With("reason", "processing_instruction")
			}
		case xml.StartElement:
			if depth++; depth > maxDepth {
				return ErrBadXML.With("reason", "depth")
			}
		case xml.EndElement:
			depth--
		}
	}
	if err := xml.Unmarshal(b, v); err != nil {
		return ErrBadXML.Wrap(err)
	}
	return nil
}

// goodOpenID accepts an openid as WeChat issues them (28 characters of
// letters, digits, '-' and '_'; up to 64 allowed).
func goodOpenID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && r != '-' && r != '_' {
			return false
		}
	}
	return true
}
