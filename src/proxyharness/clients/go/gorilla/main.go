// The go-gorilla agent: github.com/gorilla/websocket's Dialer, its proxy chosen by
// http.ProxyFromEnvironment (the environment) or http.ProxyURL (an explicit proxy).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"proxyharness/agent"
)

func main() {
	agent.Main(agent.Client{
		Name:    "go-gorilla",
		Library: "gorilla/websocket",
		Capabilities: []string{
			"explicit-proxy", "no-proxy", "server-hostname", "open-timeout", "additional-headers",
		},
		Exchange: exchange,
		Kind:     kind,
	})
}

func exchange(ctx context.Context, request *agent.Request, route agent.Route, dialer *agent.Dialer) (string, error) {
	tlsConfig, err := agent.ServerTLS(request)
	if err != nil {
		return "", err
	}
	client := websocket.Dialer{
		Proxy:            agent.Chooser(route, dialer),
		NetDialContext:   dialer.DialContext,
		TLSClientConfig:  tlsConfig,
		HandshakeTimeout: request.OpenTimeout(),
	}
	conn, response, err := client.DialContext(ctx, request.URI, request.Headers())
	if err != nil {
		if errors.Is(err, websocket.ErrBadHandshake) && response != nil {
			return "", &agent.Failure{Kind: "handshake-rejected", Message: fmt.Sprintf("%v (status %d)", err, response.StatusCode)}
		}
		return "", err
	}
	defer conn.Close()
	deadline := time.Now().Add(request.OpenTimeout())
	conn.SetReadDeadline(deadline)
	conn.SetWriteDeadline(deadline)
	if err := conn.WriteMessage(websocket.TextMessage, []byte(request.Message)); err != nil {
		return "", err
	}
	_, data, err := conn.ReadMessage()
	if err != nil {
		var closed *websocket.CloseError
		if errors.As(err, &closed) {
			return "", &agent.Failure{Kind: "closed", Message: err.Error()}
		}
		return "", err
	}
	conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), deadline)
	return string(data), nil
}

// kind names gorilla's own errors: its SOCKS5 client's ("proxy: ..." messages,
// x_net_proxy.go) and the bare status text of a refused CONNECT (proxy.go).
func kind(err error, request *agent.Request, dialer *agent.Dialer) string {
	message := err.Error()
	switch {
	case strings.Contains(message, "i/o timeout"):
		return "timeout"
	case strings.HasPrefix(message, "proxy: unknown scheme"):
		return "invalid-proxy"
	case strings.HasPrefix(message, "proxy: failed to dial"), strings.Contains(message, "connection refused"),
		strings.Contains(message, "malformed HTTP"):
		return ""
	case strings.Contains(message, "failed to connect:"), strings.Contains(message, "rejected username/password"),
		strings.Contains(message, "requires authentication"):
		return "proxy-rejected"
	case strings.HasPrefix(message, "proxy: "):
		return "proxy-answer"
	}
	proxy := dialer.Proxy()
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return ""
	}
	if proxy != nil && proxy.Scheme == "http" && fmt.Sprintf("%T", err) == "*errors.errorString" &&
		!strings.HasPrefix(message, "websocket:") {
		return "proxy-rejected" // proxy.go: a CONNECT answered with another status than 200
	}
	return ""
}
