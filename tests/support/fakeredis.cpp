#include "tests/support/fakeredis.h"

#include <QList>
#include <QTcpSocket>

namespace farmchat::test {

namespace {

// One command in RESP, *N\r\n($len\r\narg\r\n){N}; false until it is complete.
bool parseCommand(const QByteArray &buffer, qsizetype &pos, QList<QByteArray> &args)
{
    auto line = [&](QByteArray &out) {
        const qsizetype end = buffer.indexOf("\r\n", pos);
        if (end < 0)
            return false;
        out = buffer.mid(pos, end - pos);
        pos = end + 2;
        return true;
    };
    QByteArray header;
    if (!line(header) || !header.startsWith('*'))
        return false;
    for (int i = 0, n = header.mid(1).toInt(); i < n; ++i) {
        QByteArray size;
        if (!line(size) || buffer.size() < pos + size.mid(1).toInt() + 2)
            return false;
        args << buffer.mid(pos, size.mid(1).toInt());
        pos += size.mid(1).toInt() + 2;
    }
    return true;
}

} // namespace

FakeRedis::FakeRedis()
{
    m_server.listen(QHostAddress::LocalHost, 0);
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            connect(socket, &QTcpSocket::readyRead, this, [this, socket] { serve(socket); });
        }
    });
}

void FakeRedis::serve(QTcpSocket *socket)
{
    QByteArray &buffer = m_buffers[socket];
    buffer += socket->readAll();
    if (silent)
        return;
    while (true) {
        QList<QByteArray> args;
        qsizetype pos = 0;
        if (!parseCommand(buffer, pos, args))
            return;
        buffer.remove(0, pos);
        const QByteArray name = args.value(0).toUpper();
        ++received[name];
        QByteArray answer = answers.value(name, QByteArrayLiteral("+OK\r\n"));
        socket->write(answer.replace("%PORT%", QByteArray::number(port())));
    }
}

} // namespace farmchat::test
