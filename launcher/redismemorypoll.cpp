#include "launcher/redismemorypoll.h"

#include <QTcpSocket>

namespace farmchat {

namespace {

constexpr qsizetype kMaxReply = 64 * 1024; // INFO memory is about 1.5 KB

QByteArray command(std::initializer_list<QByteArray> arguments)
{
    QByteArray out = '*' + QByteArray::number(qsizetype(arguments.size())) + "\r\n";
    for (const QByteArray &a : arguments)
        out += '$' + QByteArray::number(a.size()) + "\r\n" + a + "\r\n";
    return out;
}

} // namespace

RedisMemoryPoll::RedisMemoryPoll(QObject *parent) : QObject(parent), m_socket(new QTcpSocket(this))
{
    connect(&m_timer, &QTimer::timeout, this, &RedisMemoryPoll::poll);
    connect(m_socket, &QTcpSocket::connected, this, [this] {
        m_socket->write(command({"AUTH", m_password}) + command({"INFO", "memory"}));
    });
    connect(m_socket, &QTcpSocket::readyRead, this, &RedisMemoryPoll::onReadyRead);
    connect(m_socket, &QTcpSocket::errorOccurred, m_socket, &QTcpSocket::abort);
}

RedisMemoryPoll::~RedisMemoryPoll() = default;

void RedisMemoryPoll::start(quint16 port, const QByteArray &password, int intervalMs)
{
    m_port = port;
    m_password = password;
    m_timer.start(intervalMs);
    poll();
}

void RedisMemoryPoll::stop()
{
    m_timer.stop();
    m_socket->abort();
}

void RedisMemoryPoll::poll()
{
    m_socket->abort();
    m_buffer.clear();
    m_socket->connectToHost(QStringLiteral("127.0.0.1"), m_port);
}

void RedisMemoryPoll::onReadyRead()
{
    m_buffer += m_socket->readAll();
    if (m_buffer.size() > kMaxReply) {
        m_socket->abort();
        return;
    }
    // "+OK\r\n" then "$<n>\r\n<n bytes>\r\n".
    if (!m_buffer.startsWith("+OK\r\n")) {
        if (m_buffer.contains("\r\n"))
            m_socket->abort(); // refused: try again next time
        return;
    }
    const qsizetype header = qsizetype(qstrlen("+OK\r\n"));
    const qsizetype lineEnd = m_buffer.indexOf("\r\n", header);
    if (lineEnd < 0)
        return;
    bool ok = false;
    const qsizetype length = m_buffer.mid(header + 1, lineEnd - header - 1).toLongLong(&ok);
    if (m_buffer.at(header) != '$' || !ok || length < 0 || length > kMaxReply) {
        m_socket->abort();
        return;
    }
    if (m_buffer.size() < lineEnd + 2 + length)
        return;
    const auto [used, max] = parseInfo(m_buffer.mid(lineEnd + 2, length));
    m_socket->disconnectFromHost();
    m_buffer.clear();
    if (used < 0 || max < 0 || (used == m_used && max == m_max))
        return;
    m_used = used;
    m_max = max;
    Q_EMIT changed();
}

std::pair<qint64, qint64> RedisMemoryPoll::parseInfo(const QByteArray &info)
{
    qint64 used = -1;
    qint64 max = -1;
    for (const QByteArray &raw : info.split('\n')) {
        const QByteArray line = raw.trimmed();
        bool ok = false;
        if (line.startsWith("used_memory:")) {
            const qint64 v = line.mid(qsizetype(qstrlen("used_memory:"))).toLongLong(&ok);
            used = ok ? v : -1;
        } else if (line.startsWith("maxmemory:")) {
            const qint64 v = line.mid(qsizetype(qstrlen("maxmemory:"))).toLongLong(&ok);
            max = ok ? v : -1;
        }
    }
    return {used, max};
}

} // namespace farmchat
