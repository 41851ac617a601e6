package gcal

import (
	"net/http"
)

// handleEventInsert serves events.insert.
func (e *Emulator) handleEventInsert(w http.ResponseWriter, r *http.Request, p *principal) {
	if err := validSendUpdates(r); err != nil {
		writeAPIError(w, r, err)
		return
	}
	raw, apiErr := decodeObject(r)
	if apiErr != nil {
		writeAPIError(w, r, apiErr)
		return
	}
	var out map[string]any
	err := e.update(func() error {
		cal, err := e.st.calendarFor(p.email, r.PathValue("calendarId"))
		if err != nil {
			return err
		}
		ev, err := e.insertEvent(cal, p.email, raw)
		if err != nil {
			return err
		}
		out = e.render(cal, ev, baseURL(r), false)
		return nil
	})
	if err != nil {
		writeAPIError(w, r, asAPIError(err))
		return
	}
	writeResource(w, r, out)
}

// handleEventGet serves events.get, including occurrences of a series by
// their instance id and deleted events (status "cancelled").
func (e *Emulator) handleEventGet(w http.ResponseWriter, r *http.Request, p *principal) {
	var (
		out  map[string]any
		etag string
	)
	err := e.read(func() error {
		cal, err := e.st.calendarFor(p.email, r.PathValue("calendarId"))
		if err != nil {
			return err
		}
		ref, ok := e.lookupEvent(cal, r.PathValue("eventId"))
		if !ok {
			return errNotFound()
		}
		etag = ref.etag()
		out = e.renderRef(cal, ref, baseURL(r))
		return nil
	})
	if err != nil {
		writeAPIError(w, r, asAPIError(err))
		return
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && checkIfMatch(inm, etag) == nil && inm != "*" {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeResource(w, r, out)
}

func (e *Emulator) handleEventPatch(w http.ResponseWriter, r *http.Request, p *principal) {
	e.modifyHandler(w, r, p, false)
}

func (e *Emulator) handleEventUpdate(w http.ResponseWriter, r *http.Request, p *principal) {
	e.modifyHandler(w, r, p, true)
}

// modifyHandler serves events.patch and events.update.
func (e *Emulator) modifyHandler(w http.ResponseWriter, r *http.Request, p *principal, replace bool) {
	if err := validSendUpdates(r); err != nil {
		writeAPIError(w, r, err)
		return
	}
	raw, apiErr := decodeObject(r)
	if apiErr != nil {
		writeAPIError(w, r, apiErr)
		return
	}
	var out map[string]any
	err := e.update(func() error {
		cal, err := e.st.calendarFor(p.email, r.PathValue("calendarId"))
		if err != nil {
			return err
		}
		ev, err := e.modifyEvent(cal, r.PathValue("eventId"), raw, r.Header.Get("If-Match"), replace)
		if err != nil {
			return err
		}
		out = e.render(cal, ev, baseURL(r), false)
		return nil
	})
	if err != nil {
		writeAPIError(w, r, asAPIError(err))
		return
	}
	writeResource(w, r, out)
}

// handleEventDelete serves events.delete: 204, 410 deleted when already
// deleted, 404 when it never existed.
func (e *Emulator) handleEventDelete(w http.ResponseWriter, r *http.Request, p *principal) {
	if err := validSendUpdates(r); err != nil {
		writeAPIError(w, r, err)
		return
	}
	err := e.update(func() error {
		cal, err := e.st.calendarFor(p.email, r.PathValue("calendarId"))
		if err != nil {
			return err
		}
		if err := e.deleteEvent(cal, r.PathValue("eventId"), r.Header.Get("If-Match")); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		writeAPIError(w, r, asAPIError(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
