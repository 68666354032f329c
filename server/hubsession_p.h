#pragma once

#include "protocol/hubmessage.h"
#include "protocol/recordbuffer.h"
#include "server/hubdispatcher_p.h"
#include "server/sessionscheduler_p.h"
#include "server/tokenbucket_p.h"

#include <QObject>
#include <QPointer>
#include <QWebSocketProtocol>

#include <memory>

class QTcpSocket;
class QWebSocket;

namespace farmchat {

struct NodeMetrics;

// One client connection speaking the SignalR JSON hub protocol over a
// WebSocket (HubProtocol.md, TransportProtocols.md "WebSockets"): handshake,
// record framing, keep-alive, timeouts and every per-connection limit. It
// hands invocations to the hub (a HubDispatcher) and writes what the hub
// sends back; it knows nothing about rooms or messages. Output is queued and
// leaves once per event-loop turn as one frame (SessionScheduler,
// framewriter); deadlines are timestamps the scheduler's one timer checks.
class HubSession : public QObject, public ScheduledSession
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
    // `tcp`: the TCP socket under `socket` (null: unknown). Frames are written
    // to it directly (framewriter.h), and the session closes like
    // LingeringClose says, so a client still sending when it is closed hears
    // the close code instead of a reset. Without it QWebSocket writes, one
    // frame per turn all the same.
    HubSession(std::unique_ptr<QWebSocket> socket, QString connectionId, const Settings &settings,
        HubDispatcher &hub, NodeMetrics &metrics, SessionScheduler &scheduler,
        QObject *parent = nullptr, QTcpSocket *tcp = nullptr);
    ~HubSession() override;

    const QString &connectionId() const { return m_connectionId; }
    State state() const { return m_state; }
    bool isOpen() const { return m_state == State::Connected; }

    // Queues one serialized record (UTF-8 JSON with its 0x1E) for this turn's
    // frame. Dropped when the session is no longer open; the flush closes the
    // session when the client reads too slowly for the send queue limit.
    void sendRecord(QByteArrayView record);
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
    // Writes what is queued as frames (SessionScheduler, once per turn; and
    // before a close frame).
    void flush() override;
    // Writes m_pending as frames while the WebSocket is open. True when some
    // of it may wait in Qt's buffers (then the send-queue limit needs a look).
    bool writePending();
    // Keep-alive Ping, client timeout, handshake deadline (SessionScheduler).
    void tick(qint64 nowMs) override;
    void startAbortTimer();
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
    HubDispatcher &m_hub;
    NodeMetrics &m_metrics;
    SessionScheduler &m_scheduler;
    QPointer<QTcpSocket> m_tcp; // gone with the connection (QWebSocketServer deletes it)
    State m_state = State::AwaitingHandshake;
    RecordBuffer m_records;
    TokenBucket m_bucket;
    QByteArray m_pending; // records queued this turn
    qint64 m_startedMs; // scheduler clock, for the handshake deadline
    qint64 m_lastSendMs; // for the keep-alive Ping
    qint64 m_lastReceiveMs; // for the client timeout
    qint64 m_refusalWindowStartMs = 0; // the current second of rate-limit refusals
    int m_refusalsInWindow = 0;
    const char *m_closeReason = nullptr; // set when this side decided to close
    QString m_closeReasonText; // WebSocket close reason when no Close message carries it
    bool m_counted = false;
    qintptr m_tcpDescriptor = -1; // until the close starts; then LingeringClose has it
};

} // namespace farmchat
