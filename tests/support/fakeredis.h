#pragma once

#include <QByteArray>
#include <QHash>
#include <QObject>
#include <QTcpServer>

class QTcpSocket;

namespace farmchat::test {

// A loopback server that speaks just enough RESP to play a broken, silent or
// scripted Redis: it answers each command by name from a table (+OK for a
// name it does not know). For the replies a real server never sends, and for
// cluster redirects without a cluster.
class FakeRedis : public QObject
{
public:
    // Upper-case command name -> raw reply bytes; "%PORT%" is replaced by port().
    QHash<QByteArray, QByteArray> answers;
    bool silent = false; // accept connections, never answer
    QHash<QByteArray, int> received; // upper-case command name -> times it came

    FakeRedis();
    quint16 port() const { return m_server.serverPort(); }

private:
    void serve(QTcpSocket *socket);

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
};

} // namespace farmchat::test
