// Package catalog is the data of channel management: the channel registry
// (DESIGN §1), the service-item catalog (domain.md §4.5) and the two parameter
// documents that configure them, the switch matrix (channel.matrix: item ×
// channel on/off, business hours, amount limits) and the admission capacities
// (channel.capacity: per channel × item class). It parses and validates those
// documents strictly with Chinese messages and builds their shipped defaults.
//
// It depends on nothing but the standard library and money, so that
// internal/policy can validate the documents and internal/channel (the gate)
// can read them. Everything here is read-only data or pure functions.
package catalog

import "slices"

// Channel codes (DESIGN §1).
const (
	Web     = "web"     // 网上业务大厅·个人
	Unit    = "unit"    // 网上业务大厅·单位
	App     = "app"     // 手机APP
	WeChat  = "wechat"  // 官方微信
	SMS     = "sms"     // 12329短信
	Hotline = "hotline" // 12329热线
	Kiosk   = "kiosk"   // 自助终端
	Gov     = "gov"     // 政务服务平台
	Counter = "counter" // 柜面
)

// Channel is one registered channel.
type Channel struct {
	Code string `json:"code"` // web, unit, app, wechat, sms, hotline, kiosk, gov, counter
	Name string `json:"name"` // Chinese name shown to people, e.g. 官方微信
	// Hint tells a person in Chinese how to reach the channel, e.g. "拨打 12329".
	Hint string `json:"hint"`
	// URL is where a browser reaches the channel ("/web/", "tel:12329"), or "".
	URL string `json:"url,omitempty"`
}

var channels = []Channel{
	{Web, "网上业务大厅（个人）", "登录个人网上业务大厅办理", "/web/"},
	{Unit, "网上业务大厅（单位）", "单位经办人登录单位网上业务大厅办理", "/unit/"},
	{App, "手机APP", "在手机应用商店搜索本中心APP", ""},
	{WeChat, "官方微信", "关注本中心官方微信公众号", ""},
	{SMS, "12329短信", "发送短信指令至 12329", "sms:12329"},
	{Hotline, "12329热线", "拨打 12329 服务热线", "tel:12329"},
	{Kiosk, "自助终端", "前往各服务网点的自助终端", ""},
	{Gov, "政务服务平台", "登录省政务服务平台或政务服务APP", ""},
	{Counter, "服务网点柜面", "携带身份证件前往服务网点柜面", ""},
}

// Channels returns the registered channels in display order (a copy).
func Channels() []Channel { return slices.Clone(channels) }

// ChannelByCode returns the channel with the code.
func ChannelByCode(code string) (Channel, bool) {
	i := slices.IndexFunc(channels, func(c Channel) bool { return c.Code == code })
	if i < 0 {
		return Channel{}, false
	}
	return channels[i], true
}

// Category is the statistics classification of an item (domain.md §4.3): the
// first four of type1, with 业务办理 split by its type2.
type Category string

// The categories.
const (
	CatQuery    Category = "query"    // 信息查询
	CatPublish  Category = "publish"  // 信息发布
	CatInteract Category = "interact" // 互动交流
	CatDeposit  Category = "deposit"  // 业务办理·缴存
	CatWithdraw Category = "withdraw" // 业务办理·提取
	CatLoan     Category = "loan"     // 业务办理·贷款
)

// Business reports whether the category is 业务办理 (deposit, withdraw, loan).
func (c Category) Business() bool { return c == CatDeposit || c == CatWithdraw || c == CatLoan }

// Class is the admission class of an item: each channel has its own capacity
// per class, so cheap queries, applications and fund-moving items do not
// starve each other.
type Class string

// The admission classes.
const (
	ClassQuery Class = "query" // reads, certificates, login, notices
	ClassApply Class = "apply" // applications and changes that move no money
	ClassFund  Class = "fund"  // items that move money
)

// Classes lists the admission classes.
func Classes() []Class { return []Class{ClassQuery, ClassApply, ClassFund} }

// Actor says who uses an item.
type Actor string

// The actors.
const (
	ActorPerson Actor = "person" // employees (缴存职工)
	ActorUnit   Actor = "unit"   // unit agents (单位经办人)
	ActorAll    Actor = "all"    // anyone, including the public
)

// Item is one service item of the catalog.
type Item struct {
	Code     string   `json:"code"` // e.g. GR-01
	Name     string   `json:"name"` // Chinese name, e.g. 个人账户及明细查询
	Category Category `json:"category"`
	Actor    Actor    `json:"actor"`
	// Level is the identity level required (DESIGN §5): 0 anyone, 1 registered,
	// 2 real-name verified, 3 per-transaction OTP.
	Level int   `json:"level"`
	Fund  bool  `json:"fund"` // moves money (资金类)
	Class Class `json:"class"`
}

// The catalog: domain.md §4.5 codes plus ZH-01 (registration and login, every
// channel's front door) and GG-01 (public notices). TQ-01…TQ-12 follow the
// rows of the withdrawal rule matrix (domain.md §2.3).
var items = []Item{
	{"ZH-01", "用户注册与登录", CatQuery, ActorAll, 0, false, ClassQuery},
	{"GG-01", "政策公告与信息公开", CatPublish, ActorAll, 0, false, ClassQuery},

	{"DW-01", "单位缴存登记（开户）", CatDeposit, ActorUnit, 0, false, ClassApply},
	{"DW-02", "单位信息变更", CatDeposit, ActorUnit, 2, false, ClassApply},
	{"DW-03", "单位注销登记、单位封存启封", CatDeposit, ActorUnit, 2, false, ClassApply},
	{"DW-04", "职工账户设立（个人开户）", CatDeposit, ActorUnit, 2, false, ClassApply},
	{"DW-05", "职工账户封存、启封", CatDeposit, ActorUnit, 2, false, ClassApply},
	{"DW-06", "同城转移", CatDeposit, ActorUnit, 2, false, ClassApply},
	{"DW-07", "汇缴（清册核定、托收及支付）", CatDeposit, ActorUnit, 2, true, ClassFund},
	{"DW-08", "补缴", CatDeposit, ActorUnit, 2, true, ClassFund},
	{"DW-09", "缴存基数调整、比例调整", CatDeposit, ActorUnit, 2, false, ClassApply},
	{"DW-10", "缓缴、降低缴存比例申请", CatDeposit, ActorUnit, 2, false, ClassApply},
	{"DW-11", "单位缴存证明、明细查询打印", CatQuery, ActorUnit, 2, false, ClassQuery},

	{"GR-01", "个人账户及明细查询", CatQuery, ActorPerson, 1, false, ClassQuery},
	{"GR-02", "个人信息变更（手机号、银行卡）", CatDeposit, ActorPerson, 2, false, ClassApply},
	{"GR-03", "缴存证明、缴存使用证明打印", CatQuery, ActorPerson, 1, false, ClassQuery},
	{"GR-04", "异地转移接续", CatDeposit, ActorPerson, 2, true, ClassFund},

	{"TQ-01", "购房提取", CatWithdraw, ActorPerson, 3, true, ClassFund},
	{"TQ-02", "建造、翻建、大修住房提取", CatWithdraw, ActorPerson, 3, true, ClassFund},
	{"TQ-03", "偿还本中心住房公积金贷款提取", CatWithdraw, ActorPerson, 3, true, ClassFund},
	{"TQ-04", "偿还商业贷款或异地公积金贷款提取", CatWithdraw, ActorPerson, 3, true, ClassFund},
	{"TQ-05", "租房提取", CatWithdraw, ActorPerson, 3, true, ClassFund},
	{"TQ-06", "离休、退休提取", CatWithdraw, ActorPerson, 3, true, ClassFund},
	{"TQ-07", "完全丧失劳动能力并终止劳动关系提取", CatWithdraw, ActorPerson, 3, true, ClassFund},
	{"TQ-08", "出境定居、户口迁出提取", CatWithdraw, ActorPerson, 3, true, ClassFund},
	{"TQ-09", "死亡或宣告死亡提取", CatWithdraw, ActorPerson, 3, true, ClassFund},
	{"TQ-10", "离职提取", CatWithdraw, ActorPerson, 3, true, ClassFund},
	{"TQ-11", "失业、低保、特困提取", CatWithdraw, ActorPerson, 3, true, ClassFund},
	{"TQ-12", "大病医疗提取", CatWithdraw, ActorPerson, 3, true, ClassFund},

	{"DK-01", "贷款额度试算与申请", CatLoan, ActorPerson, 2, false, ClassApply},
	{"DK-02", "贷款进度、还款计划及明细查询", CatQuery, ActorPerson, 1, false, ClassQuery},
	{"DK-03", "提前部分还款、提前结清", CatLoan, ActorPerson, 3, true, ClassFund},
	{"DK-04", "冲还贷签约、解约", CatLoan, ActorPerson, 2, false, ClassApply},
	{"DK-05", "贷款结清证明", CatQuery, ActorPerson, 1, false, ClassQuery},
	{"DK-06", "贷款信息变更（还款账户、还款日）", CatLoan, ActorPerson, 2, false, ClassApply},

	{"HD-01", "业务咨询", CatInteract, ActorAll, 0, false, ClassApply},
	{"HD-02", "投诉与建议", CatInteract, ActorAll, 0, false, ClassApply},
	{"HD-03", "满意度评价", CatInteract, ActorAll, 0, false, ClassApply},
	{"HD-04", "网点预约", CatInteract, ActorAll, 1, false, ClassApply},
}

// Items returns the catalog in display order (a copy).
func Items() []Item { return slices.Clone(items) }

// ItemByCode returns the item with the code.
func ItemByCode(code string) (Item, bool) {
	i := slices.IndexFunc(items, func(it Item) bool { return it.Code == code })
	if i < 0 {
		return Item{}, false
	}
	return items[i], true
}

// ChannelIndex is the display position of a registered channel, -1 for others.
func ChannelIndex(code string) int {
	return slices.IndexFunc(channels, func(c Channel) bool { return c.Code == code })
}
