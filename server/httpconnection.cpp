#include "server/httpconnection_p.h"

#include <QTcpSocket>

namespace farmchat {

namespace {

// After a refused request the peer may still be sending (a huge header or
// body); reading it for a moment before closing lets the peer see the answer
// instead of a connection reset.
constexpr int kDrainMs = 1000;
constexpr qint64 kDrainBytes = 8 * 1024 * 1024;

} // namespace

HttpConnection::HttpConnection(
    QTcpSocket *socket, const HttpLimits &limits, int headTimeoutMs, QObject *parent)
    : QObject(parent), m_socket(socket), m_limits(limits), m_headTimeoutMs(headTimeoutMs)
{
    m_socket->setParent(this);
    // Bounds what a client can make this connection buffer: one head and one body.
    m_socket->setReadBufferSize(m_limits.maxHeaderBytes + m_limits.maxBodyBytes + 4096);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &HttpConnection::onTimeout);
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::disconnected, this, &HttpConnection::finish);
    m_timer.start(m_headTimeoutMs);
    if (m_socket->bytesAvailable())
        QMetaObject::invokeMethod(this, &HttpConnection::onReadyRead, Qt::QueuedConnection);
}

HttpConnection::~HttpConnection() = default;

void HttpConnection::onReadyRead()
{
    if (!m_socket)
        return;
    if (m_state == State::Draining) {
        m_drained += m_socket->skip(m_socket->bytesAvailable());
        if (m_drained > kDrainBytes)
            m_socket->abort();
        return;
    }
    if (m_state == State::Head) {
        const QByteArray peeked = m_socket->peek(m_limits.maxHeaderBytes + 4);
        const HttpParseOutcome outcome = HttpRequestParser::parse(peeked, m_limits);
        if (outcome.state == HttpParseOutcome::State::Incomplete)
            return;
        if (outcome.state == HttpParseOutcome::State::Failed)
            return refuse(outcome.status, outcome.error);
        m_request = outcome.request;
        if (m_request.isWebSocketUpgrade()) {
            m_state = State::Handling;
            m_timer.stop();
            Q_EMIT requestReceived(this, ++m_serial, m_request);
            return;
        }
        m_socket->skip(m_request.headerBytes);
        m_state = State::Body;
    }
    if (m_state == State::Body) {
        if (m_socket->bytesAvailable() < m_request.contentLength)
            return;
        m_request.body = m_socket->read(m_request.contentLength);
        m_state = State::Handling;
        m_timer.stop();
        Q_EMIT requestReceived(this, ++m_serial, m_request);
    }
}

void HttpConnection::respond(quint64 serial, const HttpResponse &response)
{
    if (!m_socket || serial != m_serial || m_state != State::Handling)
        return;
    const bool keepAlive = m_request.wantsKeepAlive() && !m_request.isWebSocketUpgrade();
    m_socket->write(response.serialize(keepAlive, m_request.method == "HEAD"));
    if (!keepAlive) {
        m_state = State::Draining;
        m_timer.start(kDrainMs);
        m_socket->disconnectFromHost();
        return;
    }
    m_state = State::Head;
    m_request = {};
    m_timer.start(m_headTimeoutMs);
    if (m_socket->bytesAvailable())
        QMetaObject::invokeMethod(this, &HttpConnection::onReadyRead, Qt::QueuedConnection);
}

void HttpConnection::refuse(int status, const QString &error)
{
    m_state = State::Handling;
    m_request = {};
    Q_EMIT requestRefused(status);
    m_socket->write(HttpResponse::error(status, error).serialize(false));
    m_state = State::Draining;
    m_drained = m_socket->skip(m_socket->bytesAvailable());
    m_timer.start(kDrainMs);
}

void HttpConnection::onTimeout()
{
    if (!m_socket)
        return;
    switch (m_state) {
    case State::Head:
    case State::Body:
        // An idle keep-alive connection just closes; a half-sent request hears why.
        if (m_socket->bytesAvailable() > 0 || m_state == State::Body)
            return refuse(
                408, QStringLiteral("request not complete within %1 ms").arg(m_headTimeoutMs));
        m_socket->disconnectFromHost();
        break;
    case State::Draining:
        m_socket->disconnectFromHost();
        // Flushing may take longer; a peer that reads nothing is cut off.
        QTimer::singleShot(kDrainMs, this, [this] {
            if (m_socket)
                m_socket->abort();
        });
        break;
    case State::Handling:
    case State::Done:
        break;
    }
}

QTcpSocket *HttpConnection::takeSocket(QObject *owner)
{
    QTcpSocket *socket = m_socket;
    if (!socket)
        return nullptr;
    socket->disconnect(this);
    // QWebSocket waits for whole frames in this buffer: it must not be capped.
    socket->setReadBufferSize(0);
    socket->setParent(owner);
    m_timer.stop();
    m_socket = nullptr;
    m_state = State::Done;
    QMetaObject::invokeMethod(this, &HttpConnection::finish, Qt::QueuedConnection);
    return socket;
}

void HttpConnection::close()
{
    if (m_socket)
        m_socket->abort();
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
