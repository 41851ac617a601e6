package gcal

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// channel is a push notification channel on a calendar's events.
type channel struct {
	ID            string            `json:"id"`
	ResourceID    string            `json:"resourceId"`
	ResourceURI   string            `json:"resourceUri"`
	Token         string            `json:"token,omitempty"`
	Address       string            `json:"address"`
	Params        map[string]string `json:"params,omitempty"`
	Expiration    time.Time         `json:"expiration"`
	CalendarID    string            `json:"calendarId"`
	ClientID      string            `json:"clientId"`
	User          string            `json:"user"`
	MessageNumber int64             `json:"messageNumber"`
}

// ChannelInfo describes an active channel for the control API.
type ChannelInfo struct {
	ID            string    `json:"id"`
	ResourceID    string    `json:"resourceId"`
	ResourceURI   string    `json:"resourceUri"`
	Address       string    `json:"address"`
	CalendarID    string    `json:"calendarId"`
	ClientID      string    `json:"clientId"`
	Expiration    time.Time `json:"expiration"`
	MessageNumber int64     `json:"messageNumber"`
	// Token is the channel's token, as the watcher set it (the control
	// API shows it so tests can send a genuine notification by hand).
	Token string `json:"token,omitempty"`
}

func channelKey(clientID, id string) string { return clientID + "\x00" + id }

// resourceIDFor is the stable opaque id of a calendar's event collection;
// like Google's it is the same for every channel watching it.
func resourceIDFor(calID string) string {
	sum := sha256.Sum256([]byte("events:" + calID))
	return base64.RawURLEncoding.EncodeToString(sum[:])[:27]
}

var channelIDPattern = regexp.MustCompile(`^[A-Za-z0-9\-_+/=]+$`)

// watchRequest is the Channel body of events.watch.
type watchRequest struct {
	ID         string            `json:"id"`
	Type       string            `json:"type"`
	Address    string            `json:"address"`
	Token      string            `json:"token"`
	Expiration json.RawMessage   `json:"expiration"`
	Params     map[string]string `json:"params"`
}

// parseExpiration reads the channel expiration, milliseconds since the
// epoch as a string (what the SDK sends) or a number; zero when absent.
func parseExpiration(raw json.RawMessage) (int64, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s == "" {
			return 0, true
		}
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil
	}
	var n int64
	err := json.Unmarshal(raw, &n)
	return n, err == nil
}

// checkWebhookAddress enforces https, or http on a loopback host when the
// emulator allows insecure webhooks.
func (e *Emulator) checkWebhookAddress(addr string) *Error {
	u, err := url.Parse(addr)
	if err != nil || u.Host == "" {
		return errInvalid("Invalid address: "+addr).at("parameter", "address")
	}
	if u.Scheme == "https" {
		return nil
	}
	if u.Scheme == "http" && e.insecureHooks && isLoopback(u.Hostname()) {
		return nil
	}
	return newError(400, "global", "push.webhookUrlNotHttps", "WebHook callback must be HTTPS: "+addr)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// handleEventsWatch serves events.watch.
func (e *Emulator) handleEventsWatch(w http.ResponseWriter, r *http.Request, p *principal) {
	var req watchRequest
	body, apiErr := decodeObject(r)
	if apiErr == nil {
		b, _ := json.Marshal(body)
		if json.Unmarshal(b, &req) != nil {
			apiErr = errParse()
		}
	}
	if apiErr == nil {
		apiErr = e.validateWatch(&req)
	}
	if apiErr != nil {
		writeAPIError(w, r, apiErr)
		return
	}
	expMillis, _ := parseExpiration(req.Expiration)
	var out map[string]any
	err := e.update(func() error {
		rawID := r.PathValue("calendarId")
		cal, err := e.st.calendarFor(p.email, rawID)
		if err != nil {
			return err
		}
		key := channelKey(p.clientID, req.ID)
		now := e.clock.Now()
		if old := e.st.Channels[key]; old != nil && now.Before(old.Expiration) {
			return newError(400, "global", "channelIdNotUnique", "Channel id "+req.ID+" not unique")
		}
		exp := now.Add(defaultChannelTTL)
		if expMillis > 0 {
			exp = time.UnixMilli(expMillis)
			if !exp.After(now) {
				return errInvalid("Invalid expiration: the channel expiration is in the past.").at("parameter", "expiration")
			}
			if exp.After(now.Add(maxChannelTTL)) {
				exp = now.Add(maxChannelTTL)
			}
		}
		ch := &channel{
			ID:          req.ID,
			ResourceID:  resourceIDFor(cal.ID),
			ResourceURI: baseURL(r) + apiPrefix + "/calendars/" + url.PathEscape(rawID) + "/events?alt=json",
			Token:       req.Token,
			Address:     req.Address,
			Params:      req.Params,
			Expiration:  exp,
			CalendarID:  cal.ID,
			ClientID:    p.clientID,
			User:        p.email,
		}
		e.st.Channels[key] = ch
		e.queueNote(key, ch, "sync")
		out = map[string]any{
			"kind":        "api#channel",
			"id":          ch.ID,
			"resourceId":  ch.ResourceID,
			"resourceUri": ch.ResourceURI,
			"expiration":  strconv.FormatInt(exp.UnixMilli(), 10),
		}
		if ch.Token != "" {
			out["token"] = ch.Token
		}
		return nil
	})
	if err != nil {
		writeAPIError(w, r, asAPIError(err))
		return
	}
	writeResource(w, r, out)
}

func (e *Emulator) validateWatch(req *watchRequest) *Error {
	switch {
	case req.ID == "":
		return errRequired("Required parameter: id").at("parameter", "id")
	case len(req.ID) > 64 || !channelIDPattern.MatchString(req.ID):
		return newError(400, "push", "channelIdInvalid", `Channel id must match [A-Za-z0-9\-_\+/=]+ and be at most 64 characters`)
	case !strings.EqualFold(req.Type, "web_hook") && !strings.EqualFold(req.Type, "webhook"):
		return errInvalid("Invalid channel type: "+req.Type).at("parameter", "type")
	case req.Address == "":
		return errRequired("Required parameter: address").at("parameter", "address")
	case len(req.Token) > 256:
		return errInvalid("Channel token too long: at most 256 characters").at("parameter", "token")
	}
	if _, ok := parseExpiration(req.Expiration); !ok {
		return errInvalid("Invalid expiration").at("parameter", "expiration")
	}
	return e.checkWebhookAddress(req.Address)
}

// handleChannelsStop serves channels.stop.
func (e *Emulator) handleChannelsStop(w http.ResponseWriter, r *http.Request, p *principal) {
	body, apiErr := decodeObject(r)
	if apiErr != nil {
		writeAPIError(w, r, apiErr)
		return
	}
	id, _ := body["id"].(string)
	resourceID, _ := body["resourceId"].(string)
	if id == "" || resourceID == "" {
		writeAPIError(w, r, errRequired("Required parameters: id and resourceId"))
		return
	}
	err := e.update(func() error {
		key := channelKey(p.clientID, id)
		ch := e.st.Channels[key]
		if ch == nil || ch.ResourceID != resourceID {
			return newError(404, "global", "notFound", "Channel '"+id+"' not found for project '"+p.clientID+"'")
		}
		delete(e.st.Channels, key)
		return nil
	})
	if err != nil {
		writeAPIError(w, r, asAPIError(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// queueChange queues a notification with the given resource state for
// every live channel on cal, once per operation; mu held.
func (e *Emulator) queueChange(cal *calendarState, state string) {
	now := e.clock.Now()
	for key, ch := range e.st.Channels {
		if ch.CalendarID != cal.ID {
			continue
		}
		if !now.Before(ch.Expiration) {
			delete(e.st.Channels, key)
			continue
		}
		if slices.ContainsFunc(e.pendingNotes, func(n notification) bool { return n.key == key && n.state == state }) {
			continue
		}
		e.queueNote(key, ch, state)
	}
}

// queueNote numbers the next message of ch and queues it; mu held.
func (e *Emulator) queueNote(key string, ch *channel, state string) {
	ch.MessageNumber++
	e.pendingNotes = append(e.pendingNotes, notification{
		key:        key,
		address:    ch.Address,
		channelID:  ch.ID,
		token:      ch.Token,
		expiration: ch.Expiration,
		resourceID: ch.ResourceID,
		uri:        ch.ResourceURI,
		state:      state,
		number:     ch.MessageNumber,
	})
}

// channelLive reports whether a queued message may still go out: its
// channel exists and has not expired by the emulator's clock.
func (e *Emulator) channelLive(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	ch := e.st.Channels[key]
	if ch == nil {
		return false
	}
	if !e.clock.Now().Before(ch.Expiration) {
		delete(e.st.Channels, key)
		return false
	}
	return true
}

// Channels lists the live channels.
func (e *Emulator) Channels() []ChannelInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock.Now()
	var out []ChannelInfo
	for _, ch := range e.st.Channels {
		if !now.Before(ch.Expiration) {
			continue
		}
		out = append(out, ChannelInfo{ID: ch.ID, ResourceID: ch.ResourceID, ResourceURI: ch.ResourceURI, Address: ch.Address,
			CalendarID: ch.CalendarID, ClientID: ch.ClientID, Expiration: ch.Expiration, MessageNumber: ch.MessageNumber, Token: ch.Token})
	}
	slices.SortFunc(out, func(a, b ChannelInfo) int { return strings.Compare(a.ID, b.ID) })
	return out
}
