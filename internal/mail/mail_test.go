package mail_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"calsync/internal/mail"
	"calsync/internal/mail/smtptest"
)

func TestSendOverSMTP(t *testing.T) {
	srv, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	s, err := mail.NewSMTP("smtp://calsync:secret@"+srv.Addr, "Calsync <noreply@calsync.test>")
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), mail.Message{To: "Fiona <fiona@example.com>", Subject: "Connect your calendar — Äpple",
		Text: "Open https://calsync.test/invite/abc?x=1&y=2 to connect.", HTML: "<p>Open <a href=\"https://calsync.test/invite/abc\">this</a></p>"})
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].From != "noreply@calsync.test" || len(msgs[0].To) != 1 || msgs[0].To[0] != "fiona@example.com" {
		t.Fatalf("messages = %+v", msgs)
	}
	if !strings.Contains(msgs[0].Body(), "https://calsync.test/invite/abc?x=1&y=2") {
		t.Fatalf("link not in body: %s", msgs[0].Data)
	}
	if !strings.Contains(string(msgs[0].Data), "Subject: =?utf-8?q?") {
		t.Fatalf("subject not encoded: %s", msgs[0].Data)
	}
	for _, bad := range []string{"http://x", "smtp://", "mailto:x"} {
		if _, err := mail.NewSMTP(bad, "a@b.c"); err == nil {
			t.Errorf("NewSMTP(%q) accepted", bad)
		}
	}
	if err := s.Send(context.Background(), mail.Message{To: "not an address"}); !errors.Is(err, mail.ErrBadAddress) {
		t.Errorf("bad address: %v", err)
	}
}
