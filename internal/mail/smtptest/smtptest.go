// Package smtptest is a small in-process SMTP server for tests: it speaks
// enough of RFC 5321 for net/smtp (EHLO, AUTH PLAIN, MAIL, RCPT, DATA,
// QUIT) and records what it received.
package smtptest

import (
	"bufio"
	"bytes"
	"io"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
)

// Message is one received email.
type Message struct {
	From string
	To   []string
	Data []byte
}

// Body returns the decoded text of the message (all parts, concatenated).
func (m Message) Body() string {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return string(m.Data)
	}
	raw, _ := io.ReadAll(msg.Body)
	dec, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return string(raw)
	}
	return string(dec)
}

// Server records messages.
type Server struct {
	Addr string
	ln   net.Listener

	mu       sync.Mutex
	messages []Message
	arrived  chan struct{}
	wg       sync.WaitGroup
}

// Start listens on a free loopback port.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: ln.Addr().String(), ln: ln, arrived: make(chan struct{}, 1000)}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serve(c)
			}()
		}
	}()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() {
	s.ln.Close()
	s.wg.Wait()
}

// Messages returns what arrived so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Arrived is signalled once per received message.
func (s *Server) Arrived() <-chan struct{} { return s.arrived }

func (s *Server) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { _, _ = io.WriteString(c, line+"\r\n") }
	say("220 smtptest ready")
	var cur Message
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250-smtptest")
			say("250 AUTH PLAIN")
		case strings.HasPrefix(cmd, "AUTH"):
			say("235 2.7.0 authenticated")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			cur = Message{From: strings.Trim(strings.TrimSpace(line)[10:], "<> ")}
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			cur.To = append(cur.To, strings.Trim(strings.TrimSpace(line)[8:], "<> "))
			say("250 ok")
		case cmd == "DATA":
			say("354 go ahead")
			var data bytes.Buffer
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" || l == ".\n" {
					break
				}
				data.WriteString(strings.TrimPrefix(l, "."))
			}
			cur.Data = data.Bytes()
			s.mu.Lock()
			s.messages = append(s.messages, cur)
			s.mu.Unlock()
			s.arrived <- struct{}{}
			say("250 queued")
		case cmd == "RSET", cmd == "NOOP":
			say("250 ok")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 not implemented")
		}
	}
}
