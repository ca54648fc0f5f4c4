package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Gateway delivers one SMS. Send returns the provider's message id (empty
// when the driver has none) or an error whose text names the failure without
// the message text, the phone or any key (it is stored with the message).
// Implementations must honour ctx's deadline and be safe for concurrent use.
type Gateway interface {
	Name() string
	Send(ctx context.Context, phone, text string) (providerID string, err error)
}

// outbox is the embedded default driver: it sends nothing, the stored
// message is the delivery (staff read it in the SMS outbox, tests read OTPs
// from it).
type outbox struct{}

// NewOutbox returns the outbox driver: messages are only stored, with status
// "stored" and their full text (secrets included), for staff to read.
func NewOutbox() Gateway { return outbox{} }

func (outbox) Name() string { return "outbox" }

func (outbox) Send(context.Context, string, string) (string, error) { return "", nil }

// HTTP gateway request headers.
const (
	HeaderKey       = "X-SMS-Key"
	HeaderTimestamp = "X-SMS-Timestamp"
	HeaderSignature = "X-SMS-Signature"
)

// DefaultHTTPTimeout is the timeout of the client NewHTTPGateway makes when
// given none.
const DefaultHTTPTimeout = 10 * time.Second

// httpGateway is the generic HTTP SMS gateway driver.
type httpGateway struct {
	url, key, signature string
	client              *http.Client
	now                 func() time.Time
}

// NewHTTPGateway returns the generic HTTP gateway driver. Each message is one
//
//	POST <url>
//	Content-Type: application/json
//	X-SMS-Key: <key>
//	X-SMS-Timestamp: <Unix seconds>
//	X-SMS-Signature: <lowercase hex HMAC-SHA256, keyed with key, of timestamp + "\n" + body>
//
//	{"phone":"13800000000","text":"<signature><text>","signature":"<signature>"}
//
// The gateway should refuse a stale timestamp and a signature that does not
// match. A 2xx answer with JSON {"id":"<provider message id>"} (non-empty) means
// accepted; anything else, a transport error or the client's timeout is a
// failure; redirects are not followed (the key would travel with them), so
// a 3xx answer is a failure too. client nil means a client with
// DefaultHTTPTimeout; a given client is copied. The wiring (internal/app)
// calls it when GJJ_SMS_GATEWAY_URL is set.
func NewHTTPGateway(url, key, signature string, client *http.Client) Gateway {
	c := http.Client{Timeout: DefaultHTTPTimeout}
	if client != nil {
		c = *client
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &httpGateway{url: url, key: key, signature: signature, client: &c, now: time.Now}
}

func (g *httpGateway) Name() string { return "http" }

type httpRequest struct {
	Phone     string `json:"phone"`
	Text      string `json:"text"`
	Signature string `json:"signature"`
}

// Sign returns the X-SMS-Signature value of body sent at timestamp with key:
// lowercase hex HMAC-SHA256(key, timestamp + "\n" + body). Gateways (and
// their test fakes) use it to check requests.
func Sign(key, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(timestamp))
	m.Write([]byte{'\n'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func (g *httpGateway) Send(ctx context.Context, phone, text string) (string, error) {
	body, err := json.Marshal(httpRequest{Phone: phone, Text: g.signature + text, Signature: g.signature})
	if err != nil {
		return "", fmt.Errorf("encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.url, bytes.NewReader(body))
	if err != nil {
		return "", errors.New("bad gateway URL")
	}
	ts := strconv.FormatInt(g.now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderKey, g.key)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(g.key, ts, body))
	resp, err := g.client.Do(req)
	if err != nil {
		// *url.Error names the URL; keep only what kind of failure it was.
		var ne net.Error
		switch {
		case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
			return "", errors.New("gateway timeout")
		case errors.Is(err, context.Canceled):
			return "", errors.New("request canceled")
		}
		return "", errors.New("gateway unreachable")
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", errors.New("gateway answer unreadable")
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", fmt.Errorf("gateway answered HTTP %d", resp.StatusCode)
	}
	var ans struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil || ans.ID == "" {
		return "", fmt.Errorf("gateway answered HTTP %d without a message id", resp.StatusCode)
	}
	if len(ans.ID) > maxProviderID {
		return "", fmt.Errorf("gateway message id longer than %d bytes", maxProviderID)
	}
	return ans.ID, nil
}

// maxProviderID is the provider_id column's length.
const maxProviderID = 128
