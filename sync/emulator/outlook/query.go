package outlook

import (
	"encoding/json"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// listQuery is the parsed OData query of an event collection request.
type listQuery struct {
	Filter  filterNode
	Select  []string
	Expand  *extPropExpand
	OrderBy []orderKey
	Top     int // 0: default page size; else 1..maxTop
	Skip    int
	Count   bool
}

type orderKey struct {
	Path string
	Desc bool
}

// maxTop is the largest $top Outlook accepts.
const maxTop = 1000

func queryParam(q url.Values, name string) string {
	// Clients send both "$top" and "top"; Graph accepts either.
	if v := q.Get("$" + name); v != "" {
		return v
	}
	return q.Get(name)
}

// parseListQuery reads $filter, $select, $expand, $orderby, $top, $skip
// and $count.
func parseListQuery(q url.Values) (listQuery, *graphError) {
	var lq listQuery
	if f := queryParam(q, "filter"); f != "" {
		n, err := parseFilter(f)
		if err != nil {
			return lq, errBadRequest("Invalid filter clause: %s", err.Error())
		}
		lq.Filter = n
	}
	lq.Select = parseSelect(queryParam(q, "select"))
	if x := queryParam(q, "expand"); x != "" {
		exp, gerr := parseExpand(x)
		if gerr != nil {
			return lq, gerr
		}
		lq.Expand = exp
	}
	if o := queryParam(q, "orderby"); o != "" {
		for _, part := range strings.Split(o, ",") {
			f := strings.Fields(part)
			if len(f) == 0 {
				continue
			}
			k := orderKey{Path: strings.ToLower(f[0])}
			if len(f) > 1 && strings.EqualFold(f[1], "desc") {
				k.Desc = true
			}
			switch k.Path {
			case "start/datetime", "end/datetime", "subject", "createddatetime", "lastmodifieddatetime":
			default:
				return lq, errBadRequest("Invalid orderby clause: the property '%s' cannot be used for ordering.", f[0])
			}
			lq.OrderBy = append(lq.OrderBy, k)
		}
	}
	var err error
	if t := queryParam(q, "top"); t != "" {
		// Outlook refuses a page size outside 1..1000 rather than clamping it.
		if lq.Top, err = strconv.Atoi(t); err != nil || lq.Top < 1 || lq.Top > maxTop {
			return lq, errBadRequest("Invalid value '%s' for query parameter $top. The value must be between 1 and %d.", t, maxTop)
		}
	}
	if s := queryParam(q, "skip"); s != "" {
		if lq.Skip, err = strconv.Atoi(s); err != nil || lq.Skip < 0 {
			return lq, errBadRequest("Invalid value '%s' for query parameter $skip.", s)
		}
	}
	lq.Count = strings.EqualFold(queryParam(q, "count"), "true")
	return lq, nil
}

func parseSelect(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

var expandExtPattern = regexp.MustCompile(`(?i)^singleValueExtendedProperties(?:\((.*)\))?$`)
var extFilterIDPattern = regexp.MustCompile(`(?i)id\s+eq\s+'((?:[^']|'')*)'`)

// parseExpand accepts singleValueExtendedProperties, optionally with
// ($filter=id eq '...' [or id eq '...']).
func parseExpand(s string) (*extPropExpand, *graphError) {
	m := expandExtPattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return nil, errBadRequest("Parsing OData Select and Expand failed: Could not find a property named '%s' on type 'microsoft.graph.event'.", strings.SplitN(s, "(", 2)[0])
	}
	exp := &extPropExpand{}
	if inner := strings.TrimSpace(m[1]); inner != "" {
		opt, val, ok := strings.Cut(inner, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(opt), "$filter") {
			return nil, errBadRequest("Parsing OData Select and Expand failed: only $filter is supported inside $expand.")
		}
		for _, id := range extFilterIDPattern.FindAllStringSubmatch(val, -1) {
			exp.IDs = append(exp.IDs, strings.ReplaceAll(id[1], "''", "'"))
		}
		if len(exp.IDs) == 0 {
			return nil, errBadRequest("Invalid filter clause in $expand: use id eq '<property id>'.")
		}
	}
	return exp, nil
}

// matches reports whether in passes the filter.
func (lq listQuery) matches(in instance) bool {
	return lq.Filter == nil || lq.Filter.eval(filterEnv{in: in})
}

// sortInstancesBy orders items by $orderby (or keeps their order).
func (lq listQuery) sort(items []instance) {
	if len(lq.OrderBy) == 0 {
		return
	}
	sort.SliceStable(items, func(i, j int) bool {
		for _, k := range lq.OrderBy {
			c := compareBy(items[i], items[j], k.Path)
			if c == 0 {
				continue
			}
			if k.Desc {
				return c > 0
			}
			return c < 0
		}
		return false
	})
}

func compareBy(a, b instance, path string) int {
	switch path {
	case "start/datetime":
		return a.Start.Compare(b.Start)
	case "end/datetime":
		return a.End.Compare(b.End)
	case "subject":
		return strings.Compare(strings.ToLower(a.Source.Subject), strings.ToLower(b.Source.Subject))
	case "createddatetime":
		return a.Source.Created.Compare(b.Source.Created)
	case "lastmodifieddatetime":
		return a.Source.Modified.Compare(b.Source.Modified)
	}
	return 0
}

// applySelect keeps only the selected properties of a rendered item (plus
// id and @odata.etag, which Graph always returns).
func applySelect(v any, sel []string) (any, error) {
	if len(sel) == 0 {
		return v, nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	keep := map[string]bool{"id": true, "@odata.etag": true, "@odata.type": true, "singleValueExtendedProperties": true}
	for _, s := range sel {
		keep[strings.ToLower(s)] = true
	}
	out := make(map[string]json.RawMessage, len(sel)+2)
	for k, val := range m {
		if keep[k] || keep[strings.ToLower(k)] {
			out[k] = val
		}
	}
	return out, nil
}

// pageLink is the nextLink for a collection: the same request with $skip
// moved on.
func pageLink(c *call, skip int) string {
	q := url.Values{}
	for k, vs := range c.query {
		if strings.EqualFold(strings.TrimPrefix(k, "$"), "skip") {
			continue
		}
		q[k] = vs
	}
	q.Set("$skip", strconv.Itoa(skip))
	return c.base + c.r.URL.EscapedPath() + "?" + q.Encode()
}
