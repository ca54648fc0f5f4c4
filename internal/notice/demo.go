package notice

import (
	"context"
	"fmt"
	"time"
)

// DemoNotices are the notices SeedDemo publishes (demonstration text only).
var DemoNotices = []Draft{
	{
		Title:    "关于调整本年度住房公积金缴存基数上下限的通知",
		Category: CategoryPolicy,
		Body: "各缴存单位、缴存职工：\n本年度住房公积金缴存基数上限按本市上一年度城镇非私营单位在岗职工月平均工资的 3 倍确定，" +
			"下限不低于本市最低工资标准。单位和职工缴存比例均为 5% 至 12%。请各单位于 7 月 31 日前通过单位网上业务大厅完成基数调整。",
	},
	{
		Title:    "住房公积金手机APP上线试运行",
		Category: CategoryNotice,
		Channels: []string{"app", "web", "wechat"},
		Body: "本中心手机APP已上线试运行。注册时请填写姓名、身份证号码和单位为您登记的手机号，凭短信验证码设置登录密码；" +
			"在APP注册后，同一密码可登录网上业务大厅、官方微信等所有渠道。",
	},
	{
		Title:    "个人缴存证明线上自助打印指南",
		Category: CategoryGuide,
		Body: "缴存职工可通过网上业务大厅、手机APP或自助终端自助打印缴存证明。证明上的验证码可在本中心网站“证明核验”页面核验真伪，" +
			"无需再到柜台加盖公章。",
	},
}

// SeedDemo publishes DemoNotices unless a notice with the first demo title
// exists (idempotent; `gjj demo` and `gjj serve --demo` call it through the
// app) and returns how many it published.
func (s *Service) SeedDemo(ctx context.Context) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM notice WHERE title = ?`, DemoNotices[0].Title); err != nil {
		return 0, fmt.Errorf("look for demo notices: %w", err)
	}
	if n > 0 {
		return 0, nil
	}
	at := s.now().Add(-time.Hour) // already in force
	for i, d := range DemoNotices {
		d.PublishAt = at.Add(time.Duration(i) * time.Minute)
		if _, err := s.Publish(ctx, d); err != nil {
			return i, err
		}
	}
	return len(DemoNotices), nil
}
