package webhall_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"gjj/internal/demo"
)

func TestZZShots(t *testing.T) {
	dir := os.Getenv("GJJ_WEBHALL_SHOTS_ALL")
	if dir == "" {
		t.Skip()
	}
	a := openApp(t, sqliteSpec(t), true)
	importOtherUnit(t, a)
	srv := hallServer(t, a, true)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.WindowSize(1366, 768))
	actx, c1 := chromedp.NewExecAllocator(context.Background(), opts...)
	defer c1()
	ctx, c2 := chromedp.NewContext(actx)
	defer c2()
	ctx, c3 := context.WithTimeout(ctx, 2*time.Minute)
	defer c3()
	do := func(a ...chromedp.Action[chromedp.Void]) {
		if err := chromedp.Do(ctx, a...); err != nil {
			t.Fatal(err)
		}
	}
	shot := func(name string) {
		time.Sleep(300 * time.Millisecond)
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
	do(chromedp.EmulateViewport(1366, 768), chromedp.Navigate(srv.URL+"/unit/login"), chromedp.WaitVisible(chromedp.ID("unit_code")),
		chromedp.SendKeys(chromedp.ID("unit_code"), demo.UnitNo), chromedp.SendKeys(chromedp.ID("id_number"), demo.AgentID),
		chromedp.SendKeys(chromedp.ID("password"), "bad"), chromedp.SendKeys(chromedp.ID("totp"), "123456"), chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("form-error")))
	shot("login-error")
	do(chromedp.SendKeys(chromedp.ID("password"), demo.Password), chromedp.SendKeys(chromedp.ID("totp"), (&otpSteps{}).code(t)), chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("paid-through")))
	do(chromedp.Navigate(srv.URL+"/unit/employees/new"), chromedp.WaitVisible(chromedp.ID("open-form")),
		chromedp.SendKeys(chromedp.ID("name"), "赵六"), chromedp.SendKeys(chromedp.ID("id_number"), "350102199306150021"),
		chromedp.SendKeys(chromedp.ID("phone"), "13900000066"), chromedp.SendKeys(chromedp.ID("bank_card"), "6222020200006666"),
		chromedp.SendKeys(chromedp.ID("base"), "100"), chromedp.Click(chromedp.ID("open-submit")), chromedp.WaitVisible(chromedp.ID("form-error")))
	shot("open-error")
	for _, p := range []string{"/unit/", "/unit/employees", "/unit/employees/201000000002", "/unit/ratios", "/unit/remittances", "/unit/supplements", "/unit/deferrals", "/unit/statements", "/unit/statements/employee?account_no=201000000002", "/unit/logs", "/unit/employees/import", "/unit/employees/transfer"} {
		do(chromedp.Navigate(srv.URL + p), chromedp.WaitVisible(chromedp.CSS(".page-title")))
		shot(filepath.Base(filepath.Clean("x" + p)))
	}
	do(chromedp.Navigate(srv.URL+"/unit/ratios"), chromedp.WaitVisible(chromedp.ID("unit_ratio")), chromedp.SetValue(chromedp.ID("unit_ratio"), "20"),
		chromedp.Submit(chromedp.ID("unit_ratio")), chromedp.WaitVisible(chromedp.ID("form-error")))
	shot("ratios-error")
	do(chromedp.Navigate(srv.URL+"/unit/employees/"+otherEmp), chromedp.WaitVisible(chromedp.CSS("h1")))
	shot("other-employee")
}
