package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/platform/reqctx"
	"gjj/internal/workorder"
)

// TestWorkOrders: the 工单管理 pages list what the hotline took, filtered and
// a page at a time with phones masked; a 12329 agent assigns an order to a
// reviewer, replies and closes it (each audited by internal/workorder), a
// refused step shows the service's message; the satisfaction rating shows;
// the auditor reads without the forms; CSRF-less posts change nothing.
func TestWorkOrders(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := reqctx.WithActor(context.Background(), reqctx.Actor{ID: "hotline:agent7", Channel: "hotline"})
		var ids []int64
		for i, k := range []string{workorder.Complaint, workorder.Consultation, workorder.Consultation} {
			for j := range 10 {
				o, err := a.WorkOrders.Create(ctx, workorder.New{Kind: k, Channel: "hotline", Phone: "13800000001",
					Subject: "来电 " + strconv.Itoa(i*10+j), Body: "询问提取进度"})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, o.ID)
			}
		}
		srv := server(t, a)
		otp := apitest.NewOTP()
		agent := newUser(t, srv)
		agent.login(t, otp, "hotline")

		p := html(t, agent.get(t, "/admin/workorders"), http.StatusOK)
		contains(t, p, "共 30 件，第 1 / 2 页", `id="next"`, "138****0001", "来电 29")
		lacks(t, p, "13800000001", `id="prev"`, "来电 9<")
		p = html(t, agent.get(t, "/admin/workorders?page=2"), http.StatusOK)
		contains(t, p, "第 2 / 2 页", "来电 0", `id="prev"`)
		p = html(t, agent.htmx(t, "/admin/workorders?kind=complaint"), http.StatusOK)
		contains(t, p, "共 10 件", "投诉")
		lacks(t, p, "<html", "来电 10<")
		contains(t, html(t, agent.get(t, "/admin/workorders?status=gone"), http.StatusBadRequest), workorder.ErrBadFilter.Message)

		id := strconv.FormatInt(ids[0], 10)
		path := "/admin/workorders/" + id
		p = html(t, agent.get(t, path), http.StatusOK)
		contains(t, p, `id="assign-form"`, `id="reply-form"`, "待分派", "未评价", "138****0001")
		lacks(t, p, `id="close-form"`)
		// Closing before a reply is refused by the service, shown on the page.
		p = html(t, agent.post(t, path+"/close", nil), http.StatusConflict)
		contains(t, p, workorder.ErrBadTransition.Message)
		steps := []struct {
			path string
			form url.Values
			want string
		}{
			{"/assign", url.Values{"assignee": {"reviewer"}}, workorder.StatusAssigned},
			{"/reply", url.Values{"reply": {"您的提取申请已到账，请查收。"}}, workorder.StatusReplied},
			{"/close", nil, workorder.StatusClosed},
		}
		for _, s := range steps {
			agent.get(t, path)
			if p := agent.post(t, path+s.path, s.form); p.status != http.StatusSeeOther {
				t.Fatalf("%s = %d: %s", s.path, p.status, excerpt(p.body))
			}
			o, err := a.WorkOrders.Get(ctx, ids[0])
			if err != nil || o.Status != s.want {
				t.Fatalf("after %s: %+v %v", s.path, o, err)
			}
		}
		if _, err := a.WorkOrders.Rate(ctx, ids[0], workorder.Satisfied); err != nil {
			t.Fatal(err)
		}
		p = html(t, agent.get(t, path), http.StatusOK)
		contains(t, p, "已办结", "reviewer", "您的提取申请已到账", `id="wo-satisfaction">满意`)
		lacks(t, p, `id="reply-form"`, `id="assign-form"`)
		if e, ok := lastAudit(t, a, "workorder.close"); !ok || e.Actor != "staff:hotline" || e.Object != "workorder:"+id {
			t.Errorf("close audit %+v", e.Record)
		}

		// A blank reply is refused with the service's message; CSRF-less posts change nothing.
		id2 := "/admin/workorders/" + strconv.FormatInt(ids[1], 10)
		agent.get(t, id2)
		contains(t, html(t, agent.post(t, id2+"/reply", url.Values{"reply": {" "}}), http.StatusBadRequest), workorder.ErrBadText.Message)
		html(t, agent.postRaw(t, id2+"/assign", url.Values{"assignee": {"reviewer"}}, nil), http.StatusForbidden)
		if o, _ := a.WorkOrders.Get(ctx, ids[1]); o.Status != workorder.StatusOpen {
			t.Errorf("CSRF-less assign applied: %+v", o)
		}

		auditor := newUser(t, srv)
		auditor.login(t, otp, "auditor")
		p = html(t, auditor.get(t, id2), http.StatusOK)
		lacks(t, p, `id="assign-form"`, `id="reply-form"`)
		html(t, auditor.post(t, id2+"/assign", url.Values{"assignee": {"auditor"}}), http.StatusForbidden)
	})
}
