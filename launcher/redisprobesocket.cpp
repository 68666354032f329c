#include "launcher/redisprobesocket_p.h"

#include <QTcpSocket>

namespace farmchat {

RedisProbeSocket::RedisProbeSocket(QObject *parent)
    : QObject(parent), m_socket(new QTcpSocket(this))
{
    connect(m_socket, &QTcpSocket::connected, this, [this] { m_socket->write(m_request); });
    connect(m_socket, &QTcpSocket::readyRead, this, [this] {
        m_buffer += m_socket->readAll();
        Q_EMIT received();
    });
    connect(m_socket, &QTcpSocket::errorOccurred, this,
        [this] { Q_EMIT failed(m_socket->errorString()); });
}

RedisProbeSocket::~RedisProbeSocket() = default;

void RedisProbeSocket::open(
    const QString &host, quint16 port, const QByteArray &password, const QList<QByteArray> &command)
{
    m_socket->abort();
    m_buffer.clear();
    m_request.clear();
    if (!password.isEmpty())
        m_request += encode({"AUTH", password});
    m_request += encode(command);
    m_socket->connectToHost(host, port);
}

void RedisProbeSocket::abort()
{
    m_socket->abort();
}

void RedisProbeSocket::close()
{
    m_socket->disconnectFromHost();
}

QByteArray RedisProbeSocket::encode(const QList<QByteArray> &arguments)
{
    QByteArray out = '*' + QByteArray::number(arguments.size()) + "\r\n";
    for (const QByteArray &a : arguments)
        out += '$' + QByteArray::number(a.size()) + "\r\n" + a + "\r\n";
    return out;
}

} // namespace farmchat
