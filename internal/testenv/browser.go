package testenv

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// Browser is a minimal web browser for consent pages and emailed links:
// it keeps cookies, follows redirects and fills in HTML forms.
type Browser struct{ HTTP *http.Client }

// NewBrowser returns a Browser.
func NewBrowser() *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{HTTP: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// Page is a loaded page.
type Page struct {
	URL    *url.URL
	Status int
	Body   string
	Forms  []*Form
}

// Form is an HTML form with its current values.
type Form struct {
	Action string
	Method string
	Values url.Values
	// Options lists the values offered per radio/checkbox name.
	Options map[string][]string
}

// Set replaces a field's values.
func (f *Form) Set(name string, values ...string) { f.Values[name] = values }

// Check ticks a checkbox value.
func (f *Form) Check(name, value string) {
	if !slices.Contains(f.Values[name], value) {
		f.Values[name] = append(f.Values[name], value)
	}
}

// Uncheck unticks a checkbox value.
func (f *Form) Uncheck(name, value string) {
	f.Values[name] = slices.DeleteFunc(f.Values[name], func(v string) bool { return v == value })
}

// Get loads url, following redirects.
func (b *Browser) Get(t testing.TB, rawURL string) *Page {
	t.Helper()
	res, err := b.HTTP.Get(rawURL)
	if err != nil {
		t.Fatalf("browser GET %s: %v", rawURL, err)
	}
	return b.page(t, res)
}

// Submit posts the form (as pressing the button name=value would) and
// follows redirects.
func (b *Browser) Submit(t testing.TB, base *Page, f *Form, button, value string) *Page {
	t.Helper()
	vals := url.Values{}
	for k, v := range f.Values {
		vals[k] = slices.Clone(v)
	}
	if button != "" {
		vals.Set(button, value)
	}
	action, err := base.URL.Parse(f.Action)
	if err != nil {
		t.Fatalf("form action %q: %v", f.Action, err)
	}
	res, err := b.HTTP.PostForm(action.String(), vals)
	if err != nil {
		t.Fatalf("browser POST %s: %v", action, err)
	}
	return b.page(t, res)
}

func (b *Browser) page(t testing.TB, res *http.Response) *Page {
	t.Helper()
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	p := &Page{URL: res.Request.URL, Status: res.StatusCode, Body: string(body)}
	doc, err := html.Parse(strings.NewReader(p.Body))
	if err != nil {
		return p
	}
	var cur *Form
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			attr := func(k string) string {
				for _, a := range n.Attr {
					if a.Key == k {
						return a.Val
					}
				}
				return ""
			}
			has := func(k string) bool {
				return slices.ContainsFunc(n.Attr, func(a html.Attribute) bool { return a.Key == k })
			}
			switch n.Data {
			case "form":
				cur = &Form{Action: attr("action"), Method: attr("method"), Values: url.Values{}, Options: map[string][]string{}}
				p.Forms = append(p.Forms, cur)
			case "input":
				if cur != nil && attr("name") != "" {
					name := attr("name")
					switch attr("type") {
					case "radio", "checkbox":
						cur.Options[name] = append(cur.Options[name], attr("value"))
						if has("checked") {
							cur.Values.Add(name, attr("value"))
						}
					case "submit", "button":
					default:
						if attr("value") != "" {
							cur.Values.Add(name, attr("value"))
						}
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return p
}
