package wechat_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/util"

	"gjj/channels/wechat"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/channel/catalog"
	"gjj/internal/platform/config"
	"gjj/internal/platform/db"
	"gjj/internal/policy"
)

func TestOffWithoutConfiguration(t *testing.T) {
	a := apitest.OpenApp(t, apitest.SQLite(t), apitest.WithConfig(func(c *config.Config) { c.LogLevel = "error" }))
	if a.WeChat != nil {
		t.Fatal("WeChat channel on without GJJ_WECHAT_APPID")
	}
	e, err := a.Server()
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/wechat/callback", "/wechat/oauth/start", "/web/wechat"} {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, rec.Code)
		}
	}
}

func TestServerCheck(t *testing.T) {
	fake := newFake(t)
	a := apitest.OpenApp(t, apitest.SQLite(t), withWeChat(fake))
	e, err := a.Server()
	if err != nil {
		t.Fatal(err)
	}
	get := func(q string) answer {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/wechat/callback?"+q, nil))
		return answer{rec.Code, rec.Body.String()}
	}
	q := query(time.Now())
	q.Set("echostr", "7712345678901234567")
	if got := get(q.Encode()); got.status != http.StatusOK || got.body != "7712345678901234567" {
		t.Errorf("verification: %d %q", got.status, got.body)
	}
	q.Set("signature", sign(token+"x", q.Get("timestamp"), q.Get("nonce")))
	if code := problemCode(t, get(q.Encode()), http.StatusForbidden); code != "wechat.bad_signature" {
		t.Errorf("bad signature: %s", code)
	}
	q = query(time.Now().Add(-wechat.MaxSkew - time.Minute))
	q.Set("echostr", "1")
	if code := problemCode(t, get(q.Encode()), http.StatusForbidden); code != "wechat.stale" {
		t.Errorf("stale verification: %s", code)
	}
}

func TestMessages(t *testing.T) {
	fake := newFake(t)
	eachStore(t, fake, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		e, err := a.Server()
		if err != nil {
			t.Fatal(err)
		}
		const bound, stranger = "oBOUND_li_ming_0000000000000", "oSTRANGER_000000000000000000"
		personID := bind(t, a, liMing, bound)
		acct, err := a.Deposit.PersonAccount(ctx, personID)
		if err != nil {
			t.Fatal(err)
		}
		balance := acct.Balance.Format()
		msgID := time.Now().UnixNano()
		send := func(from, content string) reply {
			t.Helper()
			msgID++
			r := parseReply(t, post(t, e, query(time.Now()), textXML(from, content, msgID)))
			if r.ToUserName != from || r.FromUserName != "gh_0123456789ab" || r.CreateTime == 0 {
				t.Errorf("reply addressing %+v", r)
			}
			return r
		}

		cases := []struct {
			name, from, text string
			want, wantNot    []string
		}{
			{"balance", bound, "余额", []string{"李*", "尾号0002", balance + " 元", "账户状态", publicURL + "/wechat/oauth/start"},
				[]string{"李明", liMing.AccountNo, liMing.IDNumber}},
			{"balance, spaced", bound, "  余额 ", []string{balance + " 元"}, nil},
			{"balance by code", bound, "cx", []string{balance + " 元"}, nil},
			{"statement", bound, "明细", []string{"最近1笔明细", "，余额 " + balance, "+" + balance}, []string{liMing.AccountNo}},
			{"loan placeholder", bound, "贷款", []string{"贷款查询功能即将开通", "12329"}, []string{balance}},
			{"help", bound, "帮助", []string{"余额", "明细", "贷款"}, []string{balance}},
			{"unknown text gets help", bound, "你好", []string{"请回复以下关键字"}, []string{balance}},
			{"unbound gets the bind link", stranger, "余额", []string{"尚未绑定", publicURL + "/wechat/oauth/start"}, []string{balance}},
			{"unbound loan gets the bind link", stranger, "贷款", []string{"尚未绑定"}, []string{"即将开通"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := send(c.from, c.text)
				for _, w := range c.want {
					if !strings.Contains(r.Content, w) {
						t.Errorf("reply lacks %q: %s", w, r.Content)
					}
				}
				for _, w := range c.wantNot {
					if strings.Contains(r.Content, w) {
						t.Errorf("reply shows %q: %s", w, r.Content)
					}
				}
			})
		}

		t.Run("events", func(t *testing.T) {
			now := time.Now().Unix()
			r := parseReply(t, post(t, e, query(time.Now()), eventXML(stranger, "subscribe", "", now)))
			if !strings.Contains(r.Content, "欢迎关注") || !strings.Contains(r.Content, "余额") || !strings.Contains(r.Content, "绑定") {
				t.Errorf("welcome: %s", r.Content)
			}
			r = parseReply(t, post(t, e, query(time.Now()), eventXML(bound, "CLICK", "balance", now)))
			if !strings.Contains(r.Content, balance+" 元") {
				t.Errorf("menu click: %s", r.Content)
			}
			for _, ev := range []string{"unsubscribe", "VIEW"} {
				if got := post(t, e, query(time.Now()), eventXML(bound, ev, "x", now)); got.status != http.StatusOK || got.body != "success" {
					t.Errorf("%s: %d %s", ev, got.status, got.body)
				}
			}
			// The same event again (a replay) is not answered again.
			if got := post(t, e, query(time.Now()), eventXML(bound, "CLICK", "balance", now)); got.body != "success" {
				t.Errorf("replayed click answered: %s", got.body)
			}
		})

		t.Run("replayed MsgId is answered once", func(t *testing.T) {
			msgID++
			body := textXML(bound, "余额", msgID)
			first := parseReply(t, post(t, e, query(time.Now()), body))
			if !strings.Contains(first.Content, balance) {
				t.Fatalf("first: %s", first.Content)
			}
			for range 2 { // a fresh signature does not help
				if got := post(t, e, query(time.Now()), body); got.status != http.StatusOK || got.body != "success" {
					t.Errorf("replay: %d %s", got.status, got.body)
				}
			}
		})

		t.Run("refused", func(t *testing.T) {
			msgID++
			good := textXML(bound, "余额", msgID)
			badSig := query(time.Now())
			badSig.Set("signature", sign(token, badSig.Get("timestamp"), badSig.Get("nonce")+"x"))
			noSig := query(time.Now())
			noSig.Del("signature")
			future := query(time.Now().Add(wechat.MaxSkew + time.Minute))
			stale := query(time.Now().Add(-wechat.MaxSkew - time.Minute))
			noTS := query(time.Now())
			noTS.Set("timestamp", "")
			noTS.Set("signature", sign(token, "", noTS.Get("nonce")))
			head := `<xml><ToUserName>gh</ToUserName><FromUserName>` + bound + `</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>`
			refusals := []struct {
				name   string
				q      map[string][]string
				body   string
				status int
				code   string
			}{
				{"bad signature", badSig, good, http.StatusForbidden, "wechat.bad_signature"},
				{"no signature", noSig, good, http.StatusForbidden, "wechat.bad_signature"},
				{"stale timestamp", stale, good, http.StatusForbidden, "wechat.stale"},
				{"future timestamp", future, good, http.StatusForbidden, "wechat.stale"},
				{"no timestamp", noTS, good, http.StatusForbidden, "wechat.stale"},
				{"DOCTYPE with an entity", query(time.Now()), `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY b "余额">]>` +
					head + `<Content>&b;</Content><MsgId>1</MsgId></xml>`, http.StatusBadRequest, "wechat.bad_xml"},
				{"DOCTYPE, nothing referenced", query(time.Now()), `<!DOCTYPE xml [<!ENTITY b "x">]>` + good, http.StatusBadRequest, "wechat.bad_xml"},
				{"external entity", query(time.Now()), `<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` +
					head + `<Content>&xxe;</Content><MsgId>2</MsgId></xml>`, http.StatusBadRequest, "wechat.bad_xml"},
				{"billion laughs", query(time.Now()), `<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>` +
					head + `<Content>&b;</Content><MsgId>3</MsgId></xml>`, http.StatusBadRequest, "wechat.bad_xml"},
				{"undeclared entity", query(time.Now()), head + `<Content>&b;</Content><MsgId>4</MsgId></xml>`, http.StatusBadRequest, "wechat.bad_xml"},
				{"processing instruction", query(time.Now()), `<?xml-stylesheet href="x"?>` + head + `<Content>余额</Content><MsgId>5</MsgId></xml>`,
					http.StatusBadRequest, "wechat.bad_xml"},
				{"deep nesting", query(time.Now()), head + strings.Repeat("<a>", 20) + strings.Repeat("</a>", 20) + `<MsgId>6</MsgId></xml>`,
					http.StatusBadRequest, "wechat.bad_xml"},
				{"not XML", query(time.Now()), `{"Content":"余额"}`, http.StatusBadRequest, "wechat.bad_xml"},
				{"another root", query(time.Now()), strings.ReplaceAll(good, "xml>", "msg>"), http.StatusBadRequest, "wechat.bad_xml"},
				{"no sender", query(time.Now()), textXML("", "余额", 7), http.StatusBadRequest, "wechat.bad_xml"},
				{"oversize", query(time.Now()), textXML(bound, strings.Repeat("余", wechat.MaxBody/3+1), 8), http.StatusRequestEntityTooLarge,
					"request.too_large"},
				{"encrypted with a bad msg_signature", withSafe(query(time.Now()), "bad"), encryptedXML(t, good), http.StatusForbidden,
					"wechat.bad_signature"},
			}
			for _, r := range refusals {
				if code := problemCode(t, post(t, e, r.q, r.body), r.status); code != r.code {
					t.Errorf("%s: code %s, want %s", r.name, code, r.code)
				}
			}
			// None of them consumed the message: the genuine one is answered.
			if r := parseReply(t, post(t, e, query(time.Now()), good)); !strings.Contains(r.Content, balance) {
				t.Errorf("genuine message after the refusals: %s", r.Content)
			}
		})

		t.Run("safe mode", func(t *testing.T) {
			msgID++
			enc := encryptedXML(t, textXML(bound, "余额", msgID))
			q := query(time.Now())
			var env struct{ Encrypt string }
			if err := xml.Unmarshal([]byte(enc), &env); err != nil {
				t.Fatal(err)
			}
			withSafe(q, sign(token, q.Get("timestamp"), q.Get("nonce"), env.Encrypt))
			got := post(t, e, q, enc)
			var out struct{ Encrypt, MsgSignature, Nonce, TimeStamp string }
			if got.status != http.StatusOK || xml.Unmarshal([]byte(got.body), &out) != nil || out.Encrypt == "" {
				t.Fatalf("safe-mode answer %d %s", got.status, got.body)
			}
			if out.MsgSignature != sign(token, out.TimeStamp, out.Nonce, out.Encrypt) || out.Nonce != q.Get("nonce") {
				t.Errorf("reply signature %+v", out)
			}
			_, plain, err := util.DecryptMsg(appID, out.Encrypt, aesKey)
			if err != nil {
				t.Fatal(err)
			}
			if r := parseReply(t, answer{http.StatusOK, string(plain)}); r.ToUserName != bound || !strings.Contains(r.Content, balance+" 元") {
				t.Errorf("decrypted reply %+v", r)
			}
			if strings.Contains(got.body, balance) {
				t.Error("the encrypted answer shows the balance")
			}
		})
	})
}

// withSafe marks a query as safe mode with the msg_signature.
func withSafe(q map[string][]string, msgSig string) map[string][]string {
	q["encrypt_type"] = []string{"aes"}
	q["msg_signature"] = []string{msgSig}
	return q
}

// encryptedXML is a plain message as WeChat sends it in safe mode.
func encryptedXML(t *testing.T, plain string) string {
	t.Helper()
	enc, err := util.EncryptMsg([]byte("0123456789abcdef"), []byte(plain), appID, aesKey)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf(`<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt></xml>`, enc)
}

func TestGateClosedChannel(t *testing.T) {
	fake := newFake(t)
	eachStore(t, fake, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		e, err := a.Server()
		if err != nil {
			t.Fatal(err)
		}
		const openID = "oGATE_0000000000000000000000"
		bind(t, a, liMing, openID)
		m := catalog.DefaultMatrix()
		m.Channels["wechat"] = false
		today, err := a.Dates.Today(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.DB.InTx(ctx, func(tx *db.Tx) error {
			return a.Policy.AddVersion(ctx, tx, policy.Version{Key: policy.ChannelMatrix, Value: m.JSON(), EffectiveFrom: today,
				CreatedBy: "maker", ApprovedBy: "checker"})
		}); err != nil {
			t.Fatal(err)
		}
		a.Gate.Invalidate()

		// The chat answers with the gate's message instead of the figures.
		r := parseReply(t, post(t, e, query(time.Now()), textXML(openID, "余额", time.Now().UnixNano())))
		if !strings.Contains(r.Content, "暂停") || strings.Contains(r.Content, "元") {
			t.Errorf("closed channel reply: %s", r.Content)
		}
		// Help is not a service item: still answered.
		if r := parseReply(t, post(t, e, query(time.Now()), textXML(openID, "帮助", time.Now().UnixNano()))); !strings.Contains(r.Content, "余额") {
			t.Errorf("help on a closed channel: %s", r.Content)
		}
		// The OAuth entry is refused.
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/wechat/oauth/start", nil))
		if rec.Code != http.StatusServiceUnavailable {
			t.Errorf("OAuth entry on a closed channel: %d", rec.Code)
		}
	})
}
