package google

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"google.golang.org/api/googleapi"

	"calsync/sync/inbound"
)

// readError wraps a failed events.list of ReadEvents. 410 (Google's
// fullSyncRequired: the sync token, or the page token of the listing,
// expired) wraps inbound.ErrCursorExpired, and so does a 400 about a
// sync token Google cannot read during an incremental read (a damaged
// cursor: a full read recovers). The rest maps as eventError does.
func readError(what string, err error, full bool) error {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		switch {
		case ge.Code == http.StatusGone:
			return fmt.Errorf("google: %s: %w: %w", what, inbound.ErrCursorExpired, err)
		case !full && ge.Code == http.StatusBadRequest && mentionsSyncToken(ge):
			return fmt.Errorf("google: %s: %w: %w", what, inbound.ErrCursorExpired, err)
		}
	}
	return eventError(what, err)
}

// mentionsSyncToken reports whether a 400 is about the syncToken
// parameter ("Invalid sync token value.").
func mentionsSyncToken(ge *googleapi.Error) bool {
	texts := []string{ge.Message}
	for _, item := range ge.Errors {
		texts = append(texts, item.Message)
	}
	for _, t := range texts {
		t = strings.ToLower(t)
		if strings.Contains(t, "sync token") || strings.Contains(t, "synctoken") {
			return true
		}
	}
	return false
}

// watchError wraps a failed events.watch. Google's refusals of the
// address (reasons push.webhookUrlNotHttps, push.webhookUrlUnauthorized,
// ...; or a 400 about the address) wrap inbound.ErrWebhookRefused and no
// engine sentinel: a 401 push.webhookUrlUnauthorized is about the
// address, not the token. The rest maps as eventError does.
func watchError(what string, err error) error {
	var ge *googleapi.Error
	if errors.As(err, &ge) && webhookRefused(ge) {
		return fmt.Errorf("google: %s: %w: %w", what, inbound.ErrWebhookRefused, err)
	}
	return eventError(what, err)
}

// webhookRefused reports whether Google refused a channel's address.
func webhookRefused(ge *googleapi.Error) bool {
	if ge.Code < 400 || ge.Code >= 500 {
		return false
	}
	for _, item := range ge.Errors {
		if strings.HasPrefix(strings.ToLower(item.Reason), "push.webhookurl") {
			return true
		}
	}
	for _, d := range ge.Details {
		if m, ok := d.(map[string]any); ok {
			if r, _ := m["reason"].(string); strings.HasPrefix(strings.ToLower(r), "push.webhookurl") {
				return true
			}
		}
	}
	if ge.Code != http.StatusBadRequest {
		return false
	}
	texts := []string{ge.Message}
	for _, item := range ge.Errors {
		texts = append(texts, item.Message)
	}
	for _, t := range texts {
		t = strings.ToLower(t)
		if strings.Contains(t, "address") || strings.Contains(t, "webhook") || strings.Contains(t, "callback") {
			return true
		}
	}
	return false
}
