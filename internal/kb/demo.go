package kb

import (
	"context"
	"fmt"

	"gjj/internal/platform/db"
)

// DemoArticles are the articles SeedDemo publishes (demonstration text; the
// figures follow domain.md and the demo policy parameters).
var DemoArticles = []Draft{
	{
		Title:    "提取住房公积金需要满足哪些条件？",
		Category: CategoryWithdrawal,
		Keywords: []string{"提取条件", "提取", "租房", "购房", "退休", "离职"},
		Body: "缴存职工有下列情形之一的，可以申请提取本人住房公积金账户余额：\n" +
			"1. 购买、建造、翻建、大修自住住房的；\n" +
			"2. 偿还自住住房贷款本息的；\n" +
			"3. 租赁自住住房，房租超出家庭工资收入规定比例的（本市无房租房可按月或按年提取，每年不超过规定限额）；\n" +
			"4. 离休、退休的；\n" +
			"5. 完全丧失劳动能力，并与单位终止劳动关系的；\n" +
			"6. 出境定居的；\n" +
			"7. 享受城镇最低生活保障的。\n" +
			"租房、还贷提取可通过网上业务大厅、手机APP、官方微信在线办理，符合条件的系统自动审核，资金实时到账；其他情形请携带材料到服务网点柜面办理。",
	},
	{
		Title:    "住房公积金贷款额度怎么计算？",
		Category: CategoryLoan,
		Keywords: []string{"贷款额度", "贷款", "可贷额度", "最高额度", "首套房"},
		Body: "个人住房公积金贷款额度取以下各项中的最低值：\n" +
			"1. 按借款人（含共同借款人）账户余额计算的额度：账户余额 × 倍数；\n" +
			"2. 按还款能力计算的额度：月收入扣除已有负债后，月还款额不超过月收入的 50%；\n" +
			"3. 按房价计算的额度：首套房不超过房价的 80%，二套房不超过 70%；\n" +
			"4. 本市规定的最高贷款额度（以中心公布的现行参数为准）。\n" +
			"申请前须连续足额缴存 6 个月以上。可在手机APP或网上业务大厅的“贷款试算”中输入房价和期限，查看可贷额度和月供。",
	},
	{
		Title:    "单位和职工的住房公积金缴存比例是多少？",
		Category: CategoryDeposit,
		Keywords: []string{"缴存比例", "缴存", "汇缴", "缴存基数", "比例调整"},
		Body: "单位和职工的住房公积金缴存比例均不低于 5%、不高于 12%，单位与职工比例可以不同，由单位在此范围内自行确定。\n" +
			"月缴存额 = 缴存基数 × 单位缴存比例 + 缴存基数 × 个人缴存比例，缴存基数为职工上一年度月平均工资，且在本市公布的基数上下限之间。\n" +
			"每年 7 月为缴存基数调整期，单位经办人可通过单位网上业务大厅办理基数和比例调整。",
	},
	{
		Title:    "忘记登录密码怎么办？",
		Category: CategoryAccount,
		Keywords: []string{"忘记密码", "重置密码", "登录", "注册"},
		Body: "在任一渠道的登录页点击“忘记密码”，输入身份证号码和单位登记的手机号，凭短信验证码即可重新设置密码。" +
			"新密码在网上业务大厅、手机APP、官方微信等所有渠道通用（一个渠道注册，全渠道登录）。",
	},
}

// SeedDemo publishes DemoArticles unless an article with the first demo
// title exists (idempotent; `gjj demo` and `gjj serve --demo` call it
// through the app) and returns how many it published. Demo data only: real
// articles go through change requests.
func (s *Service) SeedDemo(ctx context.Context) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM kb_article WHERE title = ?`, DemoArticles[0].Title); err != nil {
		return 0, fmt.Errorf("look for demo articles: %w", err)
	}
	if n > 0 {
		return 0, nil
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		for _, d := range DemoArticles {
			if _, err := PublishTx(ctx, tx, s.audit, d, Approval{Maker: "system:demo", Checker: "system:demo", ChangeRef: "demo"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(DemoArticles), nil
}
