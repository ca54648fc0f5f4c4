package wechat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/silenceper/wechat/v2/officialaccount/message"

	"gjj/internal/core/deposit"
	"gjj/internal/identity"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/reqctx"
)

// Command is what a follower's text (a keyword) or a menu click (its key)
// asks for.
type Command string

// The commands. A menu's click buttons use these values as their keys.
const (
	Balance   Command = "balance"   // account balance and state
	Statement Command = "statement" // the last postings
	Loan      Command = "loan"      // loan balance and next instalment
	Help      Command = "help"      // what the account answers
)

// DefaultKeywords are the texts the account understands out of the box.
var DefaultKeywords = map[string]Command{
	"余额": Balance, "查询余额": Balance, "公积金余额": Balance, "CX": Balance,
	"明细": Statement, "缴存明细": Statement, "MX": Statement,
	"贷款": Loan, "贷款查询": Loan, "DK": Loan,
	"帮助": Help, "菜单": Help, "?": Help, "？": Help,
}

// Service items of the channel gate (internal/channel/catalog).
const (
	itemLogin   = "ZH-01" // OAuth entry, binding and the bindings page
	itemAccount = "GR-01" // balance and statement
	itemLoan    = "DK-02" // loan queries
)

// statementLines is how many postings the statement command shows.
const statementLines = 3

// answer is the reply text to a message or event; "" answers nothing.
func (s *Service) answer(ctx context.Context, m *message.MixMessage) string {
	openID := string(m.FromUserName)
	switch m.MsgType {
	case message.MsgTypeText:
		cmd, ok := s.keywords[strings.ToUpper(strings.TrimSpace(m.Content))]
		if !ok {
			cmd, ok = s.keywords[strings.TrimSpace(m.Content)]
		}
		if !ok {
			return s.questionAnswer(ctx, m.Content) // commands_kb.go
		}
		return s.run(ctx, openID, cmd)
	case message.MsgTypeEvent:
		switch m.Event {
		case message.EventSubscribe:
			return s.welcome()
		case message.EventClick:
			switch cmd := Command(m.EventKey); cmd {
			case Balance, Statement, Loan, Help:
				return s.run(ctx, openID, cmd)
			}
		}
		return "" // unsubscribe, view, template-send reports, …
	}
	return s.helpText()
}

// run answers a command for the follower: help for anyone, account commands
// only through the gate and for a bound follower (others get the bind link).
func (s *Service) run(ctx context.Context, openID string, cmd Command) string {
	if cmd == Help {
		return s.helpAnswer(ctx) // commands_kb.go
	}
	item := itemAccount
	if cmd == Loan {
		item = itemLoan
	}
	ticket, err := s.d.Gate.Admit(ctx, Channel, item)
	if err != nil {
		if e := errs.E(err); e.Kind == errs.Busy || e.Kind == errs.Unavailable {
			return e.Message // closed or busy: the gate's own words, with the alternatives
		}
		s.logError(ctx, "gate", err)
		return textFailed
	}
	text, err := s.query(ctx, openID, cmd)
	ticket.Done(err)
	if err != nil {
		s.logError(ctx, "query "+string(cmd), err)
		return textFailed
	}
	return text
}

const textFailed = "系统繁忙，请稍后再试。"

// query reads the figures for a bound follower.
func (s *Service) query(ctx context.Context, openID string, cmd Command) (string, error) {
	p, err := s.d.Identity.BoundPrincipal(ctx, Channel, s.cfg.AppID, openID)
	if errors.Is(err, identity.ErrNotBound) {
		return s.bindText(), nil
	}
	if err != nil {
		return "", err
	}
	ctx = reqctx.WithActor(ctx, reqctx.Actor{ID: p.Subject, Channel: Channel})
	if cmd == Loan {
		// The loan core is not built yet: a placeholder until it is.
		return "贷款查询功能即将开通。如需了解贷款余额和还款计划，请致电 12329 或到服务网点咨询。", nil
	}
	e, err := s.d.Deposit.PersonAccount(ctx, p.PersonID())
	if errors.Is(err, deposit.ErrEmployeeNotFound) {
		return "未查询到您的住房公积金个人账户。如有疑问，请致电 12329。", nil
	}
	if err != nil {
		return "", err
	}
	st, err := s.d.Deposit.Statement(ctx, "", e.AccountNo, deposit.StatementQuery{Limit: statementLines})
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s，您好！\n", maskName(e.Name))
	if cmd == Balance {
		fmt.Fprintf(&b, "个人账号：尾号%s\n账户状态：%s\n账户余额：%s 元\n缴存至：%s", tail(e.AccountNo), st.StatusName,
			e.Balance.Format(), monthText(st))
	} else {
		fmt.Fprintf(&b, "尾号%s账户最近%d笔明细：", tail(e.AccountNo), len(st.Lines))
		if len(st.Lines) == 0 {
			b.WriteString("\n暂无明细。")
		}
		for _, l := range st.Lines {
			amount := "+" + l.Income.Format()
			if l.Expense != 0 {
				amount = "-" + l.Expense.Format()
			}
			fmt.Fprintf(&b, "\n%s %s %s，余额 %s", l.Date, l.BizTypeName, amount, l.BalanceAfter.Format())
		}
	}
	fmt.Fprintf(&b, "\n<a href=\"%s\">查看更多</a>", s.entryURL(""))
	return b.String(), nil
}

func monthText(st *deposit.Statement) string {
	if st.PaidThrough.IsZero() {
		return "—"
	}
	return st.PaidThrough.String()
}

// entryURL is the OAuth entry that leads to a page of the web hall.
func (s *Service) entryURL(next string) string {
	u := s.cfg.PublicURL + "/wechat/oauth/start"
	if next != "" {
		u += "?next=" + next
	}
	return u
}

func (s *Service) bindText() string {
	return fmt.Sprintf("您尚未绑定住房公积金账户。<a href=\"%s\">点击此处绑定</a>，使用网上业务大厅、手机APP的账号密码登录一次即可；还没有账号的可在页面中注册。",
		s.entryURL(""))
}

func (s *Service) helpText() string {
	return "请回复以下关键字查询：\n余额 — 账户余额\n明细 — 最近" + fmt.Sprint(statementLines) + "笔明细\n贷款 — 贷款信息\n帮助 — 本说明\n" +
		fmt.Sprintf("<a href=\"%s\">进入网上业务大厅</a>　咨询电话 12329", s.entryURL(""))
}

func (s *Service) welcome() string {
	return "欢迎关注住房公积金官方微信！\n" + s.helpText() + fmt.Sprintf("\n首次查询请先<a href=\"%s\">绑定账户</a>。", s.entryURL(""))
}

// maskName keeps the first character of a name: "李*", "欧**".
func maskName(name string) string {
	n := utf8.RuneCountInString(name)
	if n <= 1 {
		return name
	}
	r, _ := utf8.DecodeRuneInString(name)
	return string(r) + strings.Repeat("*", n-1)
}

// tail is the last four characters of an account number.
func tail(s string) string {
	if len(s) <= 4 {
		return s
	}
	return s[len(s)-4:]
}
