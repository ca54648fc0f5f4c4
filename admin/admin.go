// Package admin is the 综合管理系统 (admin console) used by center staff:
// review queues, parameters, channels, service items, notices, work orders,
// analytics, users and roles, and the audit trail. For now it serves a
// placeholder page.
package admin

import (
	"bytes"
	"html/template"
	"net/http"

	"github.com/labstack/echo/v4"
)

var placeholder = template.Must(template.New("admin").Parse(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.}} - 住房公积金综合服务平台</title>
<style>
body{margin:0;font-family:-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;background:#f4f6f9;color:#1f2d3d;line-height:1.7}
header{background:#1f2d3d;color:#fff;padding:18px 24px;font-size:20px;font-weight:600}
main{max-width:620px;margin:40px auto;background:#fff;border-radius:8px;padding:32px;box-shadow:0 1px 6px rgba(0,0,0,.06)}
.badge{display:inline-block;background:#fff4e5;color:#a15c00;border-radius:4px;padding:0 8px;font-size:13px}
a{color:#0b5cad}
</style>
</head>
<body>
<header>住房公积金综合管理系统</header>
<main>
<p><span class="badge">建设中</span></p>
<h1>{{.}}</h1>
<p>供公积金中心工作人员使用：业务审核、参数管理、渠道与服务事项管理、公告发布、工单处理、统计分析、用户与角色、操作留痕。</p>
<p>该系统正在建设中，敬请期待。</p>
<p><a href="/">返回首页</a></p>
</main>
</body>
</html>
`))

// Register adds GET /admin/ to e. Called once by the command wiring.
func Register(e *echo.Echo) {
	e.GET("/admin/", func(c echo.Context) error {
		var buf bytes.Buffer
		if err := placeholder.Execute(&buf, "综合管理系统（建设中）"); err != nil {
			return err
		}
		return c.HTMLBlob(http.StatusOK, buf.Bytes())
	})
}
