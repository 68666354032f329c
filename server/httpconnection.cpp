#include "server/httpconnection_p.h"

namespace farmchat {

namespace {

// After a refused request the peer may still be sending (a huge header or
// body); reading it for a moment before closing lets the peer see the answer
// instead of a connection reset.
constexpr int kDrainMs = 1000;
constexpr qint64 kDrainBytes = 8 * 1024 * 1024;

} // namespace

HttpConnection::HttpConnection(std::unique_ptr<TcpConnection> connection, const HttpLimits &limits,
    int headTimeoutMs, QObject *parent)
    : QObject(parent)
    , m_connection(std::move(connection))
    , m_limits(limits)
    , m_headTimeoutMs(headTimeoutMs)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &HttpConnection::onTimeout);
    m_timer.start(m_headTimeoutMs);
    if (!m_connection->isOpen()) {
        QMetaObject::invokeMethod(this, &HttpConnection::finish, Qt::QueuedConnection);
        return;
    }
    m_connection->setReceiver(this);
}

HttpConnection::~HttpConnection() = default;

qsizetype HttpConnection::received(QByteArrayView bytes)
{
    switch (m_state) {
    case State::Draining:
        m_drained += bytes.size();
        if (m_drained > kDrainBytes)
            m_connection->abort();
        return bytes.size();
    case State::Head: {
        const qsizetype head = readHead(bytes);
        if (m_state != State::Body)
            return head;
        return head + readBody(bytes.sliced(head));
    }
    case State::Body:
        return readBody(bytes);
    case State::Handling:
    case State::Done:
        break;
    }
    return 0;
}

qsizetype HttpConnection::readHead(QByteArrayView bytes)
{
    const HttpParseOutcome outcome = HttpRequestParser::parse(
        bytes.first(qMin<qsizetype>(bytes.size(), m_limits.maxHeaderBytes + 4)), m_limits);
    if (outcome.state == HttpParseOutcome::State::Incomplete)
        return 0;
    if (outcome.state == HttpParseOutcome::State::Failed) {
        refuse(outcome.status, outcome.error);
        m_drained = bytes.size();
        return bytes.size();
    }
    m_request = outcome.request;
    if (m_request.isWebSocketUpgrade()) {
        // The head only: what follows it is the WebSocket's.
        handOver();
        return m_request.headerBytes;
    }
    m_state = State::Body;
    return m_request.headerBytes;
}

qsizetype HttpConnection::readBody(QByteArrayView bytes)
{
    if (bytes.size() < m_request.contentLength)
        return 0;
    m_request.body = bytes.first(m_request.contentLength).toByteArray();
    const qsizetype used = m_request.contentLength;
    handOver();
    return used;
}

void HttpConnection::handOver()
{
    // Nothing more is read until the answer is written (pipelined requests wait).
    m_state = State::Handling;
    m_timer.stop();
    m_connection->setReading(false);
    Q_EMIT requestReceived(this, ++m_serial, m_request);
}

void HttpConnection::respond(quint64 serial, const HttpResponse &response)
{
    if (!m_connection || !m_connection->isOpen() || serial != m_serial
        || m_state != State::Handling)
        return;
    const bool keepAlive = m_request.wantsKeepAlive() && !m_request.isWebSocketUpgrade();
    m_connection->queue(response.serialize(keepAlive, m_request.method == "HEAD"));
    if (!keepAlive) {
        m_state = State::Draining;
        m_timer.start(kDrainMs);
        m_connection->closeGracefully();
        return;
    }
    m_connection->flush();
    if (m_finished)
        return; // the peer was gone: the flush ended the connection
    m_state = State::Head;
    m_request = {};
    m_timer.start(m_headTimeoutMs);
    m_connection->setReading(true);
    // A pipelined request may already be buffered.
    QMetaObject::invokeMethod(
        this,
        [this] {
            if (m_connection && m_state == State::Head)
                m_connection->deliverBuffered();
        },
        Qt::QueuedConnection);
}

void HttpConnection::refuse(int status, const QString &error)
{
    m_state = State::Handling;
    m_request = {};
    Q_EMIT requestRefused(status);
    m_connection->queue(HttpResponse::error(status, error).serialize(false));
    m_connection->flush();
    if (m_finished)
        return;
    m_state = State::Draining;
    m_drained = 0;
    m_connection->setReading(true);
    m_timer.start(kDrainMs);
}

void HttpConnection::onTimeout()
{
    if (!m_connection || !m_connection->isOpen())
        return;
    switch (m_state) {
    case State::Head:
    case State::Body:
        // An idle keep-alive connection just closes; a half-sent request hears why.
        if (m_connection->hasBufferedInput() || m_state == State::Body)
            return refuse(
                408, QStringLiteral("request not complete within %1 ms").arg(m_headTimeoutMs));
        m_connection->closeGracefully();
        QTimer::singleShot(kDrainMs, this, [this] {
            if (m_connection)
                m_connection->abort(); // a peer that reads nothing is cut off
        });
        break;
    case State::Draining:
        m_connection->closeGracefully();
        // Flushing may take longer; a peer that reads nothing is cut off.
        QTimer::singleShot(kDrainMs, this, [this] {
            if (m_connection)
                m_connection->abort();
        });
        break;
    case State::Handling:
    case State::Done:
        break;
    }
}

std::unique_ptr<TcpConnection> HttpConnection::takeConnection()
{
    if (!m_connection || !m_connection->isOpen())
        return nullptr;
    m_connection->setReceiver(nullptr);
    m_timer.stop();
    m_state = State::Done;
    QMetaObject::invokeMethod(this, &HttpConnection::finish, Qt::QueuedConnection);
    return std::move(m_connection);
}

void HttpConnection::close()
{
    if (m_connection)
        m_connection->abort();
}

void HttpConnection::disconnected()
{
    finish();
}

void HttpConnection::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    m_state = State::Done;
    m_timer.stop();
    Q_EMIT finished(this);
}

} // namespace farmchat
