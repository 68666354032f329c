#pragma once

#include "protocol/hubmessage.h"
#include "protocol/recordbuffer.h"
#include "server/hubdispatcher_p.h"
#include "server/sessionscheduler_p.h"
#include "server/tcpconnection_p.h"
#include "server/tokenbucket_p.h"
#include "server/websocketreader_p.h"

#include <QList>
#include <QObject>

#include <memory>

namespace farmchat {

struct NodeMetrics;

// WebSocket close codes the node sends (RFC 6455 section 7.4.1; 1013 from
// the IANA WebSocket close code registry).
namespace closecode {
inline constexpr quint16 kNormal = 1000;
inline constexpr quint16 kGoingAway = 1001;
inline constexpr quint16 kProtocolError = 1002;
inline constexpr quint16 kDatatypeNotSupported = 1003;
inline constexpr quint16 kWrongDatatype = 1007;
inline constexpr quint16 kPolicyViolated = 1008;
inline constexpr quint16 kTooMuchData = 1009;
inline constexpr quint16 kTryAgainLater = 1013;
} // namespace closecode

// One client connection speaking the SignalR JSON hub protocol over a
// WebSocket (HubProtocol.md, TransportProtocols.md "WebSockets"): handshake,
// record framing, keep-alive, timeouts and every per-connection limit. It
// hands invocations to the hub (a HubDispatcher) and writes what the hub
// sends back; it knows nothing about rooms or messages. It is the WebSocket
// too: its TcpConnection's bytes go through a WebSocketReader, Pings are
// answered, a Close is echoed, and a broken stream is closed with the code
// the reader gives. Output is queued and leaves once per event-loop turn as
// frames sharing the records' bytes (SessionScheduler, framewriter);
// deadlines are timestamps the scheduler's one timer checks.
class HubSession : public QObject,
                   public ScheduledSession,
                   private TcpConnection::Receiver,
                   private WebSocketReader::Handler
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
    // `connection`: the upgraded TCP connection (101 sent); its buffered
    // input is read on the next turn. The session closes it like
    // LingeringClose says, so a client still sending when it is closed hears
    // the close code instead of a reset.
    HubSession(std::unique_ptr<TcpConnection> connection, QString connectionId,
        const Settings &settings, HubDispatcher &hub, NodeMetrics &metrics,
        SessionScheduler &scheduler, QObject *parent = nullptr);
    ~HubSession() override;

    const QString &connectionId() const { return m_connectionId; }
    State state() const { return m_state; }
    bool isOpen() const { return m_state == State::Connected; }

    // Queues one serialized record (UTF-8 JSON with its 0x1E) for this turn's
    // frame. Dropped when the session is no longer open; the flush closes the
    // session when the client reads too slowly for the send queue limit. A
    // QByteArray is shared, not copied (one record sent to a whole room).
    void sendRecord(const QByteArray &record);
    void sendRecord(QByteArrayView record) { sendRecord(record.toByteArray()); }
    void send(const HubMessage &message);

    // Sends a Close message with `error` (none when empty), then closes the
    // WebSocket with `code`. `metricReason` labels connections_closed_total.
    void closeWithError(
        const QString &error, quint16 code, const char *metricReason, bool allowReconnect = false);
    // Graceful stop of the node: Close message, then close 1001.
    void shutdown();

Q_SIGNALS:
    // The connection is gone; the owner deletes the session (deleteLater).
    void finished(farmchat::HubSession *session);

private:
    // Writes what is queued as frames (SessionScheduler, once per turn; and
    // before a close frame).
    void flush() override;
    // Queues m_pending as frames and sends what the kernel takes.
    void writePending();
    // Keep-alive Ping, client timeout, handshake deadline (SessionScheduler).
    void tick(qint64 nowMs) override;
    // Sends a close frame, leaves the hub and closes the connection once the
    // frame is out (at the latest after a grace period).
    void beginClose(quint16 code, QByteArrayView reason, const char *metricReason);

    // TcpConnection::Receiver
    qsizetype received(QByteArrayView bytes) override;
    void disconnected() override;
    // WebSocketReader::Handler
    void textMessage(QByteArray utf8) override;
    void binaryMessage(QByteArray bytes) override;
    void ping(QByteArrayView payload) override;
    void pong(QByteArrayView payload) override;
    void close(quint16 code, QByteArrayView reason) override;
    void error(quint16 code, const QString &reason) override;

    void handleHandshake(const QByteArray &record);
    void handleRecord(const QByteArray &record);
    void handleInvocation(const HubMessage &message);
    bool admitInvocation(const HubMessage &message);
    void countClose(const char *reason);

    std::unique_ptr<TcpConnection> m_connection;
    WebSocketReader m_reader;
    QString m_connectionId;
    Settings m_settings;
    HubDispatcher &m_hub;
    NodeMetrics &m_metrics;
    SessionScheduler &m_scheduler;
    State m_state = State::AwaitingHandshake;
    RecordBuffer m_records;
    TokenBucket m_bucket;
    QList<QByteArray> m_pending; // records queued this turn, shared with other sessions
    qint64 m_startedMs; // scheduler clock, for the handshake deadline
    qint64 m_lastSendMs; // for the keep-alive Ping
    qint64 m_lastReceiveMs; // for the client timeout
    qint64 m_refusalWindowStartMs = 0; // the current second of rate-limit refusals
    int m_refusalsInWindow = 0;
    const char *m_closeReason = nullptr; // set when this side decided to close
    QString m_closeReasonText; // WebSocket close reason when no Close message carries it
    bool m_counted = false;
};

} // namespace farmchat
