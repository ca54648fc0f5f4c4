package change

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gjj/internal/access"
	"gjj/internal/channel/catalog"
	"gjj/internal/notice"
	"gjj/internal/platform/date"
	"gjj/internal/policy"
)

// The account statuses an impact counts: employee accounts not closed (正常,
// 封存, 冻结) and units not closed (销户).
var openEmployee = []any{policy.PersonAcctMergedClosed, policy.PersonAcctTransferClosed, policy.PersonAcctWithdrawClosed}

// paramImpact counts what a new parameter value touches: employees whose
// base is outside new base bounds, units whose ratios are outside new ratio
// bounds; other parameters get a sentence without a count.
func (s *Service) paramImpact(ctx context.Context, sp policy.Spec, before, after string, eff date.Date) (Impact, error) {
	v, _ := strconv.ParseInt(after, 10, 64)
	var (
		q       string
		args    []any
		summary string
		detail  string
	)
	switch sp.Key {
	case policy.ChannelPeakWindows:
		return peakImpact(before, after, eff), nil
	case policy.DepositBaseMax, policy.DepositBaseMin:
		op, word := ">", "上限"
		if sp.Key == policy.DepositBaseMin {
			op, word = "<", "下限"
		}
		q = `SELECT COUNT(*) FROM employee_account WHERE status NOT IN (?, ?, ?) AND base_fen ` + op + ` ?`
		args = append(append(args, openEmployee...), v)
		summary = "新" + word + "影响 %s 名职工"
		detail = fmt.Sprintf("缴存基数%s新%s %s 元的未销户职工账户，调整基数时须按新%s执行", map[string]string{">": "高于", "<": "低于"}[op], word, sp.Display(after), word)
	case policy.DepositRatioUnitMin, policy.DepositRatioUnitMax, policy.DepositRatioPersonMin, policy.DepositRatioPersonMax:
		col, side := "ratio_unit_bps", "单位"
		if sp.Key == policy.DepositRatioPersonMin || sp.Key == policy.DepositRatioPersonMax {
			col, side = "ratio_person_bps", "个人"
		}
		op, word := ">", "上限"
		if sp.Key == policy.DepositRatioUnitMin || sp.Key == policy.DepositRatioPersonMin {
			op, word = "<", "下限"
		}
		q = `SELECT COUNT(*) FROM unit WHERE status <> ? AND ` + col + ` ` + op + ` ?`
		args = []any{policy.UnitAcctClosed, v}
		summary = "新" + word + "影响 %s 个单位"
		detail = fmt.Sprintf("%s缴存比例%s新%s %s 的未销户单位", side, map[string]string{">": "高于", "<": "低于"}[op], word, sp.Display(after))
	default:
		return Impact{Summary: fmt.Sprintf("自 %s 起，「%s」由 %s 调整为 %s", eff, sp.Title, display(sp, before), sp.Display(after)),
			Details: []string{}}, nil
	}
	var n int64
	if err := s.d.DB.GetContext(ctx, &n, q, args...); err != nil {
		return Impact{}, fmt.Errorf("impact of %s: %w", sp.Key, err)
	}
	return Impact{Summary: fmt.Sprintf(summary, group(n)), Count: &n, Details: []string{detail + "：" + group(n)}}, nil
}

// channelImpact lists the items offered on the channel, which close (or
// open again) with its switch.
func channelImpact(m *catalog.Matrix, ch catalog.Channel, on bool) Impact {
	var names []string
	for _, it := range catalog.Items() {
		if row := m.Items[it.Code]; row != nil && row.Enabled {
			if cell := row.Channels[ch.Code]; cell != nil && cell.Enabled {
				names = append(names, it.Code+" "+it.Name)
			}
		}
	}
	n := int64(len(names))
	sum := fmt.Sprintf("关闭后%s的 %d 项服务全部停办", ch.Name, n)
	if on {
		sum = fmt.Sprintf("开启后%s的 %d 项服务恢复办理", ch.Name, n)
	}
	return Impact{Summary: sum, Count: &n, Details: nonNil(names)}
}

// itemImpact says where an item closes or opens and where it stays open.
func itemImpact(m *catalog.Matrix, it catalog.Item, ch catalog.Channel, on bool) Impact {
	var open []string // channels where the item can be done now, besides ch
	row := m.Items[it.Code]
	for _, c := range catalog.Channels() {
		if c.Code == ch.Code || row == nil || !row.Enabled || !m.Channels[c.Code] {
			continue
		}
		if cell := row.Channels[c.Code]; cell != nil && cell.Enabled {
			open = append(open, c.Name)
		}
	}
	if ch.Code == allChannels {
		var offered []string
		for _, c := range catalog.Channels() {
			if cell := rowCell(row, c.Code); cell != nil && cell.Enabled {
				offered = append(offered, c.Name)
			}
		}
		n := int64(len(offered))
		if on {
			return Impact{Summary: fmt.Sprintf("「%s」恢复在 %d 个渠道办理", it.Name, n), Count: &n, Details: nonNil(offered)}
		}
		return Impact{Summary: fmt.Sprintf("「%s」在全部渠道停办（当前在 %d 个渠道办理）", it.Name, len(open)), Count: &n, Details: nonNil(offered)}
	}
	details := []string{}
	if len(open) > 0 {
		details = append(details, "其他可办理渠道："+strings.Join(open, "、"))
	}
	if on {
		sum := fmt.Sprintf("「%s」将可在%s办理", it.Name, ch.Name)
		if !m.Channels[ch.Code] {
			sum += "（该渠道目前整体关闭，开启渠道后才能办理）"
		} else if row != nil && !row.Enabled {
			sum += "（该事项目前整体停办，开启事项后才能办理）"
		}
		return Impact{Summary: sum, Details: details}
	}
	sum := fmt.Sprintf("「%s」将在%s停办", it.Name, ch.Name)
	if len(open) == 0 {
		sum += "，且没有其他渠道可以办理"
	}
	return Impact{Summary: sum, Details: details}
}

func rowCell(row *catalog.ItemSwitch, ch string) *catalog.Cell {
	if row == nil {
		return nil
	}
	return row.Channels[ch]
}

// capacityImpact compares today's peak admitted rate of the channel × class
// (the gate's hourly statistics, this instance's latest counts flushed
// first) with the new capacity.
func (s *Service) capacityImpact(ctx context.Context, ch catalog.Channel, class catalog.Class, old, nr catalog.Rate) (Impact, error) {
	var peak int64
	peakHour := -1
	if s.d.Gate != nil {
		_ = s.d.Gate.Flush(ctx) // best effort: stats of other instances are as of their last flush anyway
		today := date.FromTime(s.now())
		rows, err := s.d.Gate.Stats(ctx, today, today)
		if err != nil {
			return Impact{}, err
		}
		perHour := map[int]int64{}
		for _, r := range rows {
			if it, ok := catalog.ItemByCode(r.Item); r.Channel == ch.Code && ok && it.Class == class {
				perHour[r.Hour] += r.Admitted
			}
		}
		for h := range 24 {
			if perHour[h] > peak {
				peak, peakHour = perHour[h], h
			}
		}
	}
	newText := fmt.Sprintf("新容量每秒 %s 次、瞬时 %d 次", number(nr.PerSecond), nr.Burst)
	details := []string{fmt.Sprintf("原容量每秒 %s 次、瞬时 %d 次", number(old.PerSecond), old.Burst)}
	if peakHour < 0 {
		return Impact{Summary: "今日尚无受理记录；" + newText, Count: &peak, Details: details}, nil
	}
	rate := float64(peak) / time.Hour.Seconds()
	sum := fmt.Sprintf("今日峰值约每秒 %s 次（%d 时，该小时受理 %s 次）；%s", strconv.FormatFloat(rate, 'g', 4, 64), peakHour, group(peak), newText)
	if nr.PerSecond < rate {
		sum += "，低于今日峰值，高峰时将向其他渠道分流"
	}
	return Impact{Summary: sum, Count: &peak, Details: details}, nil
}

// noticeImpact names the channels a notice shows on and when.
func noticeImpact(p payload) Impact {
	where := "全部渠道"
	var names []string
	for _, c := range p.Channels {
		ch, _ := catalog.ChannelByCode(c)
		names = append(names, ch.Name)
	}
	if len(names) > 0 {
		where = strings.Join(names, "、")
	}
	when := "审批通过后立即"
	if p.PublishAt != nil {
		when = "自 " + p.PublishAt.In(date.Shanghai).Format("2006-01-02 15:04") + " 起"
	}
	sum := fmt.Sprintf("%s在%s展示「%s」（%s）", when, where, p.Title, notice.CategoryName(p.Category))
	if p.ExpiresAt != nil {
		sum += "，至 " + p.ExpiresAt.In(date.Shanghai).Format("2006-01-02 15:04") + " 止"
	}
	return Impact{Summary: sum, Details: nonNil(names)}
}

// roleImpact lists the permissions a grant adds (those the subject does not
// hold already) or a revocation takes away (those no other role of the
// subject holds with the same object and action).
func (s *Service) roleImpact(subject, role string, grant bool) Impact {
	perms := s.d.Access.Permissions(role)
	others := map[[2]string]bool{}
	for _, r := range s.d.Access.Roles(subject, access.Center) {
		if "role:"+r == role {
			continue
		}
		for _, p := range s.d.Access.Permissions("role:" + r) {
			others[p] = true
		}
	}
	var list []string
	for _, p := range perms {
		if grant {
			held := true
			for act := range strings.SplitSeq(p[1], "|") {
				if ok, _ := s.d.Access.Allowed(subject, access.Center, p[0], act); !ok {
					held = false
				}
			}
			if held {
				continue
			}
		} else if others[p] {
			continue
		}
		list = append(list, p[1]+" "+p[0])
	}
	slices.Sort(list)
	n := int64(len(list))
	sum := fmt.Sprintf("授予后 %s 新增 %d 项权限", subject, n)
	if !grant {
		sum = fmt.Sprintf("收回后 %s 失去 %d 项权限", subject, n)
	}
	return Impact{Summary: sum, Count: &n, Details: nonNil(list)}
}

// group writes n with thousands separators: 1234 → "1,234".
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// peakImpact names the peak windows before and after (the documents are
// validated; one that does not parse counts as none).
func peakImpact(before, after string, eff date.Date) Impact {
	names := func(v string) []string {
		p, err := catalog.ParsePeakWindows(v)
		if err != nil {
			return []string{}
		}
		out := []string{}
		for _, w := range p.Windows {
			out = append(out, w.Name)
		}
		return out
	}
	old, now := names(before), names(after)
	n := int64(len(now))
	if n == 0 {
		return Impact{Summary: fmt.Sprintf("自 %s 起，取消全部 %d 个渠道高峰时段", eff, len(old)), Count: &n, Details: now}
	}
	return Impact{Summary: fmt.Sprintf("自 %s 起，渠道高峰时段由 %d 个调整为 %d 个：%s", eff, len(old), n, strings.Join(now, "、")),
		Count: &n, Details: now}
}
