// Socket options of the connections the node accepts (server/httpserver.*),
// read back from the descriptors of an in-process node. POSIX only.
#include "protocol/hubcontract.h"
#include "tests/server/hubtestclient.h"
#include "tests/server/nodefixture.h"
#include "tests/support/processinfo.h"

#include <QTcpSocket>
#include <QTest>

#include <optional>

using namespace farmchat;
using namespace farmchat::test;

class tst_HttpServer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        auto started = startTestNode(testNodeConfig());
        QVERIFY2(started.ok(), qPrintable(started.error()));
        m_node = std::move(started).value();
    }
    void cleanup() { m_node.reset(); }

    // Small hub records must not wait for the client's delayed ACK (Nagle).
    void acceptedSocketsSendWithoutDelay()
    {
        QTcpSocket plain;
        plain.connectToHost(QHostAddress::LocalHost, m_node->port());
        QVERIFY(plain.waitForConnected(3000));
        QTRY_VERIFY(processinfo::tcpNoDelayOf(m_node->port(), plain.localPort()).has_value());
        QCOMPARE(processinfo::tcpNoDelayOf(m_node->port(), plain.localPort()),
            std::optional<bool>(true));
    }

    void webSocketKeepsNoDelayAfterTheUpgrade()
    {
        HubTestClient client;
        QVERIFY(client.open(m_node->port()) && client.handshake());
        QVERIFY(!client.call(hubcontract::kSend.name, {QStringLiteral("hi")})->hasError);
        const quint16 peer = client.socket().localPort();
        QCOMPARE(processinfo::tcpNoDelayOf(m_node->port(), peer), std::optional<bool>(true));
        // The client side (QWebSocket sets it itself on connect).
        QCOMPARE(processinfo::tcpNoDelayOf(peer, m_node->port()), std::optional<bool>(true));
    }

private:
    std::unique_ptr<Node> m_node;
};

QTEST_GUILESS_MAIN(tst_HttpServer)
#include "tst_httpserver.moc"
