package wechat

import (
	"fmt"
	"os"
	"slices"
	"sort"

	"gjj/internal/notify"
)

// LoadMenuFile reads the custom menu from the JSON file named by
// GJJ_WECHAT_MENU_FILE (WeChat's "button" array, see ParseMenu); "" returns
// nil (the shipped DefaultMenu). The platform calls it at start; an error
// names the variable and stops the start.
func LoadMenuFile(path string) ([]Button, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("GJJ_WECHAT_MENU_FILE=%q: %w", path, err)
	}
	if len(b) > 64<<10 {
		return nil, fmt.Errorf("GJJ_WECHAT_MENU_FILE=%q: larger than 64 KB", path)
	}
	bs, err := ParseMenu(string(b))
	if err != nil {
		return nil, fmt.Errorf("GJJ_WECHAT_MENU_FILE=%q: %w", path, err)
	}
	return bs, nil
}

// checkTemplates refuses template ids for notices WeChat has no template for
// (see notify.WeChatTemplates), naming the ones it knows.
func checkTemplates(ids map[string]string) error {
	var known []string
	for _, t := range notify.WeChatTemplates() {
		known = append(known, t.ID)
	}
	for k := range ids {
		if !slices.Contains(known, k) {
			sort.Strings(known)
			return fmt.Errorf("GJJ_WECHAT_TEMPLATES: no WeChat template for notice %q (known: %v)", k, known)
		}
	}
	return nil
}
