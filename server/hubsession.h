#pragma once

#include "protocol/hubmessage.h"
#include "protocol/recordbuffer.h"
#include "server/tokenbucket.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <QWebSocketProtocol>

#include <memory>

class QWebSocket;

namespace farmchat {

class ChatHub;
struct NodeMetrics;

// One client connection speaking the SignalR JSON hub protocol over a
// WebSocket (HubProtocol.md, TransportProtocols.md "WebSockets"): handshake,
// record framing, keep-alive, timeouts and every per-connection limit. It
// hands invocations to the ChatHub and writes what the hub sends back; it
// knows nothing about rooms or messages.
class HubSession : public QObject
{
    Q_OBJECT
public:
    struct Settings
    {
        int keepAliveMs;
        int clientTimeoutMs;
        int handshakeTimeoutMs;
        int rateLimit; // invocations per second, burst of the same size
        qint64 sendQueueBytes;
        qint64 maxMessageBytes;
    };
    enum class State { AwaitingHandshake, Connected, Closing, Closed };

    // `connectionId` empty: the WebSocket URL named an unknown, used or expired
    // id; the handshake is then answered with that error and the socket closed with 1008.
    // `tcpDescriptor`: the TCP socket under `socket` (-1: unknown). With it the
    // session closes like LingeringClose says, so a client still sending when
    // it is closed hears the close code instead of a reset.
    HubSession(std::unique_ptr<QWebSocket> socket, QString connectionId, const Settings &settings,
        ChatHub &hub, NodeMetrics &metrics, QObject *parent = nullptr, qintptr tcpDescriptor = -1);
    ~HubSession() override;

    const QString &connectionId() const { return m_connectionId; }
    State state() const { return m_state; }
    bool isOpen() const { return m_state == State::Connected; }

    // Writes one serialized record (JSON text with its 0x1E). Dropped when the
    // session is no longer open; closes the session when the client reads too
    // slowly for the send queue limit.
    void sendRecord(const QString &record);
    void send(const HubMessage &message);

    // Sends a Close message with `error` (none when empty), then closes the
    // WebSocket with `code`. `metricReason` labels connections_closed_total.
    void closeWithError(const QString &error, QWebSocketProtocol::CloseCode code,
        const char *metricReason, bool allowReconnect = false);
    // Graceful stop of the node: Close message, then close 1001.
    void shutdown();

Q_SIGNALS:
    // The connection is gone; the owner deletes the session (deleteLater).
    void finished(farmchat::HubSession *session);

private:
    void onTextMessage(const QString &text);
    void onBinaryMessage(const QByteArray &data);
    void onAboutToClose();
    void onDisconnected();
    void handleHandshake(const QByteArray &record);
    void handleRecord(const QByteArray &record);
    void handleInvocation(const HubMessage &message);
    bool admitInvocation(const HubMessage &message);
    void countClose(const char *reason);
    void lingerAfterClose();

    std::unique_ptr<QWebSocket> m_socket;
    QString m_connectionId;
    Settings m_settings;
    ChatHub &m_hub;
    NodeMetrics &m_metrics;
    State m_state = State::AwaitingHandshake;
    RecordBuffer m_records;
    TokenBucket m_bucket;
    QElapsedTimer m_clock;
    int m_rejectedInRow = 0;
    QTimer m_handshakeTimer;
    QTimer m_keepAliveTimer;
    QTimer m_clientTimeoutTimer;
    QTimer m_abortTimer;
    const char *m_closeReason = nullptr; // set when this side decided to close
    QString m_closeReasonText; // WebSocket close reason when no Close message carries it
    bool m_counted = false;
    qintptr m_tcpDescriptor = -1; // until the close starts; then LingeringClose has it
};

} // namespace farmchat
