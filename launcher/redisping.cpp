#include "launcher/redisping_p.h"

#include <QTcpSocket>

namespace farmchat {

namespace {

QByteArray command(std::initializer_list<QByteArray> arguments)
{
    QByteArray out = '*' + QByteArray::number(qsizetype(arguments.size())) + "\r\n";
    for (const QByteArray &a : arguments)
        out += '$' + QByteArray::number(a.size()) + "\r\n" + a + "\r\n";
    return out;
}

} // namespace

RedisPing::RedisPing(QObject *parent) : QObject(parent), m_socket(new QTcpSocket(this))
{
    m_retry.setSingleShot(true);
    m_deadline.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &RedisPing::attempt);
    connect(&m_deadline, &QTimer::timeout, this, [this] {
        fail(QStringLiteral("no answer within %1 ms (%2)").arg(m_timeoutMs).arg(m_lastError));
    });
    connect(m_socket, &QTcpSocket::connected, this, [this] {
        QByteArray request;
        if (!m_password.isEmpty())
            request += command({"AUTH", m_password});
        request += command({"PING"});
        m_repliesExpected = m_password.isEmpty() ? 1 : 2;
        m_socket->write(request);
    });
    connect(m_socket, &QTcpSocket::readyRead, this, &RedisPing::onReadyRead);
    connect(m_socket, &QTcpSocket::errorOccurred, this,
        [this] { retryOrFail(m_socket->errorString()); });
}

RedisPing::~RedisPing() = default;

void RedisPing::start(const QString &host, quint16 port, const QByteArray &password, int timeoutMs)
{
    cancel();
    m_host = host;
    m_port = port;
    m_password = password;
    m_timeoutMs = timeoutMs;
    m_lastError = QStringLiteral("not tried yet");
    m_running = true;
    m_deadline.start(timeoutMs);
    attempt();
}

void RedisPing::cancel()
{
    m_running = false;
    m_retry.stop();
    m_deadline.stop();
    m_socket->abort();
}

void RedisPing::attempt()
{
    if (!m_running)
        return;
    m_socket->abort();
    m_buffer.clear();
    m_repliesExpected = 0;
    m_socket->connectToHost(m_host, m_port);
}

void RedisPing::onReadyRead()
{
    m_buffer += m_socket->readAll();
    qsizetype end;
    while (m_running && m_repliesExpected > 0 && (end = m_buffer.indexOf("\r\n")) >= 0) {
        const QByteArray line = m_buffer.left(end).left(200);
        m_buffer.remove(0, end + 2);
        const bool authReply = m_repliesExpected == 2;
        --m_repliesExpected;
        if (line.startsWith("-LOADING")) {
            retryOrFail(QStringLiteral("Redis is loading its data"));
            return;
        }
        if (authReply) {
            if (line != "+OK") {
                fail(QStringLiteral("Redis rejected the password: %1")
                         .arg(QString::fromUtf8(line.mid(1))));
                return;
            }
        } else if (line == "+PONG") {
            finish({});
            return;
        } else if (line.startsWith("-NOAUTH")) {
            fail(QStringLiteral("Redis requires a password (set FARMCHAT_REDIS_PASSWORD)"));
            return;
        } else {
            fail(QStringLiteral("Redis answered PING with: %1").arg(QString::fromUtf8(line)));
            return;
        }
    }
    if (m_buffer.size() > 4096)
        fail(QStringLiteral("not a Redis server (unexpected reply)"));
}

void RedisPing::retryOrFail(const QString &error)
{
    if (!m_running)
        return;
    m_lastError = error;
    m_socket->abort();
    if (!m_retry.isActive())
        m_retry.start(kRetryMs);
}

void RedisPing::fail(const QString &error)
{
    finish(Result<void>::failure(error));
}

void RedisPing::finish(const Result<void> &outcome)
{
    if (!m_running)
        return;
    cancel();
    Q_EMIT finished(outcome);
}

} // namespace farmchat
