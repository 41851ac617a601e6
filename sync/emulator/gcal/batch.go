package gcal

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxBatchParts is Google's limit of calls in one batch request.
const maxBatchParts = 1000

// batchPart is one parsed inner request.
type batchPart struct {
	contentID string
	req       *http.Request
	err       *Error
}

// handleBatch serves the multipart/mixed batch endpoint. Each part is an
// HTTP request run through the API exactly as if sent alone (auth, quota,
// faults); the response holds one application/http part per request with
// Content-ID "response-<id>".
func (e *Emulator) handleBatch(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeAPIError(w, r, errNotFound())
		return
	}
	mediaType, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mediaType, "multipart/") || params["boundary"] == "" {
		writeAPIError(w, r, newError(400, "global", "badRequest", "Batch request must be multipart/mixed."))
		return
	}
	parts, apiErr := readBatchParts(r, params["boundary"])
	if apiErr != nil {
		writeAPIError(w, r, apiErr)
		return
	}
	boundary := "batch_" + randomString("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 20)
	var out bytes.Buffer
	for _, part := range parts {
		rec := newRecorder()
		if part.err != nil {
			writeAPIError(rec, r, part.err)
		} else {
			e.apiHandler.ServeHTTP(rec, part.req)
		}
		fmt.Fprintf(&out, "--%s\r\nContent-Type: application/http\r\n", boundary)
		if part.contentID != "" {
			fmt.Fprintf(&out, "Content-ID: <response-%s>\r\n", part.contentID)
		}
		out.WriteString("\r\n")
		rec.writeTo(&out)
		out.WriteString("\r\n")
	}
	fmt.Fprintf(&out, "--%s--\r\n", boundary)
	w.Header().Set("Content-Type", "multipart/mixed; boundary="+boundary)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out.Bytes())
}

// readBatchParts parses the parts; a part that is not a valid request gets
// a 400 of its own instead of failing the batch.
func readBatchParts(r *http.Request, boundary string) ([]batchPart, *Error) {
	mr := multipart.NewReader(io.LimitReader(r.Body, 64<<20), boundary)
	var parts []batchPart
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, newError(400, "global", "badRequest", "Malformed multipart batch body.")
		}
		if len(parts) == maxBatchParts {
			return nil, newError(400, "global", "batchSizeTooLarge", "A batch request cannot contain more than 1000 requests.")
		}
		body, err := io.ReadAll(p)
		if err != nil {
			return nil, newError(400, "global", "badRequest", "Malformed multipart batch body.")
		}
		cid := strings.Trim(strings.TrimSpace(p.Header.Get("Content-ID")), "<>")
		bp := batchPart{contentID: cid}
		inner, perr := innerRequest(r, body)
		if perr != nil {
			bp.err = perr
		} else {
			bp.req = inner
		}
		parts = append(parts, bp)
	}
	return parts, nil
}

// innerRequest turns the application/http body of a part into a request
// against the emulator's own API paths.
func innerRequest(outer *http.Request, body []byte) (*http.Request, *Error) {
	head, payload := splitHTTPMessage(bytes.TrimLeft(body, "\r\n"))
	in, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(append(withHTTPVersion(head), "\r\n\r\n"...))))
	if err != nil {
		return nil, newError(400, "global", "badRequest", "Invalid request in batch part.")
	}
	if in.Header.Get("Content-Length") != "" && in.ContentLength >= 0 && in.ContentLength < int64(len(payload)) {
		payload = payload[:in.ContentLength]
	}
	u, ok := apiURL(in.URL, outer.Host)
	if !ok {
		return nil, errNotFound()
	}
	req, err := http.NewRequestWithContext(outer.Context(), in.Method, u.String(), bytes.NewReader(payload))
	if err != nil {
		return nil, newError(400, "global", "badRequest", "Invalid request in batch part.")
	}
	req.Host = outer.Host
	req.TLS = outer.TLS
	req.RemoteAddr = outer.RemoteAddr
	for k, v := range in.Header {
		req.Header[k] = v
	}
	if req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", outer.Header.Get("Authorization"))
	}
	if p := outer.Header.Get("X-Forwarded-Proto"); p != "" && req.Header.Get("X-Forwarded-Proto") == "" {
		req.Header.Set("X-Forwarded-Proto", p)
	}
	req.ContentLength = int64(len(payload))
	return req, nil
}

// withHTTPVersion completes a request line that has no protocol version:
// Google's batch documentation writes inner requests as "GET /calendar/v3/..."
// and http.ReadRequest insists on three fields.
func withHTTPVersion(head []byte) []byte {
	line, rest, found := bytes.Cut(head, []byte("\n"))
	line = bytes.TrimRight(line, "\r")
	if len(bytes.Fields(line)) != 2 {
		return head
	}
	out := append(append([]byte(nil), bytes.TrimSpace(line)...), " HTTP/1.1"...)
	if found {
		out = append(append(out, "\r\n"...), rest...)
	}
	return out
}

// googleAPIHost is the host of absolute inner-request URLs written for
// the real service.
const googleAPIHost = "www.googleapis.com"

// apiURL maps the target of an inner request onto the emulator's API
// paths. Three forms are accepted: the service's own path
// (/calendar/v3/...), the emulator's mount-prefixed path
// (/google/calendar/v3/..., what a client whose root URL is the emulator
// sends), and an absolute URL on www.googleapis.com or on the emulator's
// own host (Google's Java and .NET libraries write absolute URLs, which the
// service accepts although its guide asks for paths). A URL on any other
// host is refused, so a client pointed at the wrong place notices.
func apiURL(target *url.URL, ownHost string) (*url.URL, bool) {
	if target.Host != "" && !strings.EqualFold(target.Host, googleAPIHost) && !strings.EqualFold(target.Host, ownHost) {
		return nil, false
	}
	const servicePrefix = "/calendar/v3/"
	path, rawPath := target.Path, target.RawPath
	switch {
	case strings.HasPrefix(path, apiPrefix+"/"):
	case strings.HasPrefix(path, servicePrefix):
		path = "/google" + path
		if rawPath != "" {
			rawPath = "/google" + rawPath
		}
	default:
		return nil, false
	}
	return &url.URL{Path: path, RawPath: rawPath, RawQuery: target.RawQuery}, true
}

// splitHTTPMessage splits an HTTP message at the blank line after the
// headers; parts often omit Content-Length, so the body is taken as is.
func splitHTTPMessage(msg []byte) (head, body []byte) {
	if i := bytes.Index(msg, []byte("\r\n\r\n")); i >= 0 {
		return msg[:i], msg[i+4:]
	}
	if i := bytes.Index(msg, []byte("\n\n")); i >= 0 {
		return msg[:i], msg[i+2:]
	}
	return bytes.TrimRight(msg, "\r\n"), nil
}

// recorder captures an inner response.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

// writeTo writes the response as an HTTP/1.1 message.
func (r *recorder) writeTo(w *bytes.Buffer) {
	status := r.status
	if status == 0 {
		status = http.StatusOK
	}
	fmt.Fprintf(w, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
	r.header.Set("Content-Length", strconv.Itoa(r.body.Len()))
	_ = r.header.Write(w)
	w.WriteString("\r\n")
	w.Write(r.body.Bytes())
}
