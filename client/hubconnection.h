#pragma once

#include "core/backoff.h"
#include "core/result.h"
#include "protocol/limits.h"
#include "protocol/recordbuffer.h"

#include <QJsonArray>
#include <QJsonValue>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>
#include <QUrl>

#include <functional>
#include <memory>

class QNetworkCookieJar;
class QWebSocket;

namespace farmchat {

class Negotiator;
class PendingInvocations;
struct HubMessage;

// How a HubConnection connects, keeps alive and reconnects.
struct HubConnectionOptions
{
    bool skipNegotiation = false; // connect the WebSocket at once, without POST /negotiate
    int keepAliveIntervalMs = limits::kKeepAliveMs; // send a Ping after this long without sending
    int serverTimeoutMs
        = limits::kClientTimeoutMs; // drop and reconnect after this long without receiving
    int connectTimeoutMs
        = limits::kHandshakeTimeoutMs; // negotiate, WebSocket open and handshake, each
    int invocationTimeoutMs = 0; // default per-call timeout for invoke(); 0: none
    qint64 maxMessageBytes
        = 16 * 1024 * 1024; // largest incoming message (a History page can be big)
    QString origin; // sent as the Origin header when not empty
    // After a loss: the first attempt at once, then 0.5, 1, 2, 4, 8, 10, 10 s …
    // (each ±20 %, never past the cap); maxRetries attempts per outage.
    Backoff reconnect {
        .immediateRetries = 1, .firstDelayMs = 500, .maxDelayMs = 10000, .jitter = 0.2};
    // More hubs of the same farm (other nodes behind no load balancer). While
    // reconnecting, each failed attempt moves on to the next hub, round robin;
    // the first attempt after a loss goes to the hub that was lost.
    QList<QUrl> fallbackUrls;
};

// A client of one SignalR hub (JSON hub protocol v1 over WebSocket), e.g.
// http://127.0.0.1:9090/chat: negotiate or connect directly, handshake,
// invocations with their Completions, server invocations as a signal,
// keep-alive, server timeout and automatic reconnect. ChatClient builds chat
// on it; anything that wants to call a hub method can use it directly.
//
// Lifecycle: Disconnected --start()--> Connecting --> Connected.
// A Connected connection that loses its server (socket closed or failed,
// server silent for serverTimeoutMs, malformed data, Close with
// allowReconnect) goes Reconnecting and retries per options().reconnect; when it
// gets through it emits reconnected(), when it gives up disconnected(reason).
// It does not reconnect after stop(), after a Close message without
// allowReconnect, or when the first start() fails (call start() again).
// Never blocks; every outcome arrives as a signal or a callback.
class HubConnection : public QObject
{
    Q_OBJECT
public:
    enum class State { Disconnected, Connecting, Connected, Reconnecting };
    Q_ENUM(State)

    using Options = HubConnectionOptions;

    // The Completion's result (undefined for a void method), or why the call
    // failed.
    using Callback = std::function<void(const Result<QJsonValue> &result)>;

    explicit HubConnection(const QUrl &hubUrl, Options options = {}, QObject *parent = nullptr);
    ~HubConnection() override;

    // The hub currently used (or tried): the constructor's, or a fallback.
    QUrl hubUrl() const { return m_hubUrls.at(m_urlIndex); }
    // 0: the constructor's hub; i > 0: options().fallbackUrls[i - 1].
    int hubIndex() const { return m_urlIndex; }
    const Options &options() const { return m_options; }
    State state() const { return m_state; }
    // Cookies of this connection's hubs, kept across attempts: set by the
    // negotiate answer (a load balancer's sticky-session cookie) and sent
    // with it and with the WebSocket request, so both reach the same node.
    QNetworkCookieJar *cookieJar() const { return m_cookies; }
    // The connection id the server gave in negotiate (empty with skipNegotiation).
    QString connectionId() const { return m_connectionId; }
    // Why the connection last dropped or failed; empty when it never did.
    QString lastError() const { return m_lastError; }

    // Starts connecting. False (and nothing happens) unless Disconnected.
    bool start();
    // Closes the connection (WebSocket close 1000) and stops reconnecting.
    // Calls still waiting fail with "the connection was stopped". The state is
    // Disconnected when stop() returns; disconnected() is emitted unless the
    // connection already was Disconnected.
    void stop();
    // Serves from `hubUrl` from now on (its node left the farm): a live
    // connection drops and reconnects there, as after a lost connection
    // (reconnecting(), then reconnected()); a reconnect under way goes there next.
    void moveTo(const QUrl &hubUrl);

    // Invokes a hub method and calls `callback` exactly once: with the
    // Completion's result or error, with an error when the connection is not
    // Connected or drops before the answer, or when `timeoutMs` (-1: the
    // option's default, 0: none) passes. The callback never runs inside
    // invoke(). Pending callbacks are dropped, not called, when the
    // HubConnection is destroyed. Returns the invocation id (empty when the
    // call failed at once).
    QString invoke(const QString &method, const QJsonArray &arguments, Callback callback = {},
        int timeoutMs = -1);
    // Sends a non-blocking invocation (no answer). False when not Connected.
    bool send(const QString &method, const QJsonArray &arguments);

    qsizetype pendingInvocations() const;

Q_SIGNALS:
    void stateChanged(farmchat::HubConnection::State state);
    void connected(); // start() got through
    void reconnecting(const QString &reason); // lost the server; retrying
    void reconnected(); // back after reconnecting
    void disconnected(const QString &reason); // final: stopped, closed, or gave up
    // The server invoked a client method, e.g. "messageReceived".
    void invocationReceived(const QString &target, const QJsonArray &arguments);

private:
    void setState(State state);
    void beginAttempt();
    void openSocket(const QString &connectionToken);
    void onSocketConnected();
    void onSocketDisconnected();
    void onTextMessage(const QString &text);
    void onBinaryMessage();
    void processRecords();
    bool handleHandshake(const QByteArray &record);
    void handleMessage(const HubMessage &message);
    bool sendRecord(const QByteArray &record);
    // closeCode 0: abort the socket; else close it with that WebSocket code.
    void fail(const QString &reason, bool allowReconnect = true, int closeCode = 0);
    void scheduleAttempt();
    void retireSocket(int closeCode);
    void stopTimers();
    void finishDisconnected(const QString &reason);

    const Options m_options;
    QList<QUrl> m_hubUrls; // the constructor's, then the fallbacks (moveTo() replaces them)
    int m_urlIndex = 0;
    State m_state = State::Disconnected;
    QString m_connectionId;
    QString m_lastError;
    QPointer<QWebSocket> m_socket; // a child of this
    QNetworkCookieJar *m_cookies = nullptr; // a child of this
    Negotiator *m_negotiator = nullptr; // a child of this
    std::unique_ptr<PendingInvocations> m_pending; // a child of this
    RecordBuffer m_records;
    bool m_handshakeDone = false;
    bool m_everConnected = false; // false: the first start() is still in progress
    int m_attempt = 0; // attempts made in the current outage
    QTimer m_attemptTimer; // next (re)connect attempt
    QTimer m_connectTimer; // bounds negotiate, open and handshake
    QTimer m_keepAliveTimer; // we sent nothing for keepAliveIntervalMs
    QTimer m_serverTimeoutTimer; // we received nothing for serverTimeoutMs
};

} // namespace farmchat
