// Socket options of the connections the node accepts (server/httpserver.*),
// read back from the descriptors of an in-process node. POSIX only.
#include "tests/server/hubtestclient.h"
#include "tests/server/nodefixture.h"

#include <QTcpSocket>
#include <QTest>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <optional>

using namespace farmchat;
using namespace farmchat::test;

namespace {

quint16 portOf(const sockaddr_storage &address)
{
    if (address.ss_family == AF_INET)
        return ntohs(reinterpret_cast<const sockaddr_in &>(address).sin_port);
    if (address.ss_family == AF_INET6)
        return ntohs(reinterpret_cast<const sockaddr_in6 &>(address).sin6_port);
    return 0;
}

// TCP_NODELAY of this process's socket from local port `local` to peer port
// `peer`; nullopt when there is no such socket.
std::optional<bool> noDelayOf(quint16 local, quint16 peer)
{
    for (int fd = 0; fd < 4096; ++fd) {
        sockaddr_storage mine {}, theirs {};
        socklen_t mineSize = sizeof mine, theirsSize = sizeof theirs;
        if (::getsockname(fd, reinterpret_cast<sockaddr *>(&mine), &mineSize) != 0
            || ::getpeername(fd, reinterpret_cast<sockaddr *>(&theirs), &theirsSize) != 0)
            continue;
        if (portOf(mine) != local || portOf(theirs) != peer)
            continue;
        int value = 0;
        socklen_t size = sizeof value;
        if (::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, &size) != 0)
            return std::nullopt;
        return value != 0;
    }
    return std::nullopt;
}

} // namespace

class tst_HttpServer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        QString error;
        m_node = startTestNode(testNodeConfig(), &error);
        QVERIFY2(m_node, qPrintable(error));
    }
    void cleanup() { m_node.reset(); }

    // Small hub records must not wait for the client's delayed ACK (Nagle).
    void acceptedSocketsSendWithoutDelay()
    {
        QTcpSocket plain;
        plain.connectToHost(QHostAddress::LocalHost, m_node->port());
        QVERIFY(plain.waitForConnected(3000));
        QTRY_VERIFY(noDelayOf(m_node->port(), plain.localPort()).has_value());
        QCOMPARE(noDelayOf(m_node->port(), plain.localPort()), std::optional<bool>(true));
    }

    void webSocketKeepsNoDelayAfterTheUpgrade()
    {
        HubTestClient client;
        QVERIFY(client.open(m_node->port()) && client.handshake());
        QVERIFY(!client.call(QStringLiteral("Send"), {QStringLiteral("hi")})->hasError);
        const quint16 peer = client.socket().localPort();
        QCOMPARE(noDelayOf(m_node->port(), peer), std::optional<bool>(true));
        // The client side (QWebSocket sets it itself on connect).
        QCOMPARE(noDelayOf(peer, m_node->port()), std::optional<bool>(true));
    }

private:
    std::unique_ptr<Node> m_node;
};

QTEST_GUILESS_MAIN(tst_HttpServer)
#include "tst_httpserver.moc"
