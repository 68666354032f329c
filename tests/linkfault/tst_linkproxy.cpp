#include "linkfault/linkproxy.h"
#include "tests/support/timefactor.h"
#include "tests/support/verifyresult.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>
#include <vector>

using namespace farmchat;
using namespace farmchat::test;

namespace {

constexpr int kWaitMs = 5000;
// A healthy round trip on loopback, with room for a loaded machine; a
// 150 ms latency each way makes it >= 300 ms.
constexpr qint64 kFastMs = 250;

// The target behind the proxy, on 127.0.0.1:0: echoes what it gets, or
// swallows it (a sink, counting), and notes when its peer closed.
class TargetServer : public QObject
{
public:
    explicit TargetServer(bool echo) : m_echo(echo)
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] {
                    const QByteArray bytes = socket->readAll();
                    received += bytes.size();
                    if (m_echo)
                        socket->write(bytes);
                });
                connect(socket, &QTcpSocket::disconnected, this, [this] { ++closes; });
            }
        });
    }
    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    quint16 port() const { return m_server.serverPort(); }

    qint64 received = 0;
    int closes = 0;

private:
    QTcpServer m_server;
    bool m_echo;
};

// A client of the proxy that collects what comes back.
struct Client
{
    QTcpSocket socket;
    QByteArray received;

    explicit Client(quint16 port)
    {
        QObject::connect(
            &socket, &QTcpSocket::readyRead, &socket, [this] { received += socket.readAll(); });
        socket.connectToHost(QHostAddress::LocalHost, port);
    }
    bool waitConnected()
    {
        return QTest::qWaitFor(
            [this] { return socket.state() == QAbstractSocket::ConnectedState; }, kWaitMs);
    }
    // Milliseconds for `size` bytes to go through the echo and back; -1 when they never do.
    qint64 roundTripMs(int size = 16)
    {
        received.clear();
        QElapsedTimer clock;
        clock.start();
        socket.write(QByteArray(size, 'x'));
        if (!QTest::qWaitFor([this, size] { return received.size() >= size; }, kWaitMs))
            return -1;
        return clock.elapsed();
    }
};

// An echo server with a proxy in front of it, both listening on 127.0.0.1.
struct EchoBehindProxy
{
    TargetServer echo {true};
    std::unique_ptr<LinkProxy> proxy; // made once the echo server has its port

    Result<void> listen()
    {
        if (!echo.listen())
            return Result<void>::failure(QStringLiteral("the echo server cannot listen"));
        proxy = std::make_unique<LinkProxy>(QStringLiteral("127.0.0.1"), echo.port());
        return proxy->listen();
    }
};

QByteArray randomBytes(qsizetype size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(bytes.data()), size / 4);
    return bytes;
}

LinkFault latency(int ms)
{
    LinkFault fault;
    fault.up.latencyMs = ms;
    fault.down.latencyMs = ms;
    return fault;
}

} // namespace

class tst_LinkProxy : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void relayIsByteExact();
    void latencyAddsRoundTrip();
    void jitterKeepsOrder();
    void latencyChangesLive();
    void bandwidthCapsRate();
    void partitionHoldsThenDelivers();
    void partitionKeepsMemoryFlat();
    void closeFollowsDelayedData();
    void partitionHoldsClose();
    void resetCutsWithRst();
    void refuseNewSparesOpenConnections();
    void refusingTargetClosesClient();
};

void tst_LinkProxy::relayIsByteExact()
{
    EchoBehindProxy link;
    FARMCHAT_VERIFY_OK(link.listen());
    LinkProxy &proxy = *link.proxy;
    Client client(proxy.port());
    QVERIFY(client.waitConnected());
    const QByteArray sent = randomBytes(2 * 1024 * 1024);
    for (qsizetype at = 0; at < sent.size();) {
        const qsizetype size = std::min<qsizetype>(
            sent.size() - at, 1 + QRandomGenerator::global()->bounded(64 * 1024));
        client.socket.write(sent.mid(at, size));
        at += size;
    }
    QTRY_COMPARE_WITH_TIMEOUT(client.received.size(), sent.size(), scaledMs(8000));
    QVERIFY(client.received == sent);
    QCOMPARE(proxy.stats().bytesUp, sent.size());
    QCOMPARE(proxy.stats().bytesDown, sent.size());
    QCOMPARE(proxy.stats().accepted, 1);
    QCOMPARE(proxy.connectionCount(), 1);
}

void tst_LinkProxy::latencyAddsRoundTrip()
{
    EchoBehindProxy link;
    FARMCHAT_VERIFY_OK(link.listen());
    LinkProxy &proxy = *link.proxy;
    proxy.setFault(latency(100));
    Client client(proxy.port());
    QVERIFY(client.waitConnected());
    const qint64 ms = client.roundTripMs();
    QVERIFY2(ms >= 200, qPrintable(QStringLiteral("%1 ms").arg(ms)));
    QVERIFY2(ms < scaledMs(1500), qPrintable(QStringLiteral("%1 ms").arg(ms)));
}

void tst_LinkProxy::jitterKeepsOrder()
{
    EchoBehindProxy link;
    FARMCHAT_VERIFY_OK(link.listen());
    LinkProxy &proxy = *link.proxy;
    LinkFault fault = latency(40);
    fault.up.jitterMs = 40;
    fault.down.jitterMs = 40;
    proxy.setFault(fault);
    Client client(proxy.port());
    QVERIFY(client.waitConnected());
    QByteArray sent;
    for (int i = 0; i < 60; ++i) {
        const QByteArray piece = QByteArray::number(i) + ';';
        client.socket.write(piece);
        sent += piece;
        QTest::qWait(2); // separate reads in the proxy, each with its own delay
    }
    QTRY_COMPARE_WITH_TIMEOUT(client.received.size(), sent.size(), scaledMs(kWaitMs));
    QCOMPARE(client.received, sent);
}

void tst_LinkProxy::latencyChangesLive()
{
    EchoBehindProxy link;
    FARMCHAT_VERIFY_OK(link.listen());
    LinkProxy &proxy = *link.proxy;
    QSignalSpy changed(&proxy, &LinkProxy::faultChanged);
    Client client(proxy.port());
    QVERIFY(client.waitConnected());
    const qint64 before = client.roundTripMs();
    QVERIFY2(before >= 0 && before < kFastMs, qPrintable(QStringLiteral("%1 ms").arg(before)));
    proxy.setFault(latency(150));
    const qint64 slow = client.roundTripMs();
    QVERIFY2(slow >= 300 && slow < scaledMs(2000), qPrintable(QStringLiteral("%1 ms").arg(slow)));
    proxy.heal();
    QVERIFY(proxy.fault().isHealthy());
    const qint64 after = client.roundTripMs();
    QVERIFY2(after >= 0 && after < kFastMs, qPrintable(QStringLiteral("%1 ms").arg(after)));
    QCOMPARE(changed.size(), 2);
}

void tst_LinkProxy::bandwidthCapsRate()
{
    EchoBehindProxy link;
    FARMCHAT_VERIFY_OK(link.listen());
    LinkProxy &proxy = *link.proxy;
    LinkFault fault;
    fault.up.bytesPerSecond = 64 * 1024; // the way back stays unlimited
    proxy.setFault(fault);
    Client client(proxy.port());
    QVERIFY(client.waitConnected());
    QElapsedTimer clock;
    clock.start();
    client.socket.write(randomBytes(64 * 1024));
    QTRY_COMPARE_WITH_TIMEOUT(client.received.size(), 64 * 1024, scaledMs(5000));
    const qint64 ms = clock.elapsed();
    qInfo("64 KiB at 64 KiB/s: %lld ms", ms);
    QVERIFY2(ms >= 800 && ms < scaledMs(3000), qPrintable(QStringLiteral("%1 ms").arg(ms)));
}

void tst_LinkProxy::partitionHoldsThenDelivers()
{
    EchoBehindProxy link;
    FARMCHAT_VERIFY_OK(link.listen());
    TargetServer &echo = link.echo;
    LinkProxy &proxy = *link.proxy;
    Client client(proxy.port());
    QVERIFY(client.waitConnected());
    QVERIFY(client.roundTripMs() >= 0);
    client.received.clear();
    const qint64 echoedBefore = echo.received;
    LinkFault partition;
    partition.partitioned = true;
    proxy.setFault(partition);
    const QByteArray sent = randomBytes(300 * 1024);
    for (qsizetype at = 0; at < sent.size(); at += 10 * 1024)
        client.socket.write(sent.mid(at, 10 * 1024));
    // The window in which nothing may arrive: a partition is the absence of events.
    QTest::qWait(300);
    QCOMPARE(client.received.size(), 0);
    QCOMPARE(echo.received, echoedBefore);
    QCOMPARE(client.socket.state(), QAbstractSocket::ConnectedState);
    QCOMPARE(proxy.connectionCount(), 1);
    QVERIFY(proxy.heldBytes() > 0);
    proxy.heal();
    QTRY_COMPARE_WITH_TIMEOUT(client.received.size(), sent.size(), scaledMs(kWaitMs));
    QVERIFY(client.received == sent);
    QTRY_COMPARE_WITH_TIMEOUT(proxy.heldBytes(), 0, kWaitMs);
}

void tst_LinkProxy::partitionKeepsMemoryFlat()
{
    TargetServer sink(false);
    QVERIFY(sink.listen());
    LinkProxy proxy(QStringLiteral("127.0.0.1"), sink.port());
    FARMCHAT_VERIFY_OK(proxy.listen());
    LinkFault partition;
    partition.partitioned = true;
    proxy.setFault(partition);
    Client client(proxy.port());
    QVERIFY(client.waitConnected());
    constexpr qint64 kSent = 64 * 1024 * 1024;
    client.socket.write(QByteArray(kSent, 'm'));
    QTRY_VERIFY_WITH_TIMEOUT(proxy.heldBytes() >= LinkProxy::kMaxHeldBytes, scaledMs(kWaitMs));
    // The sender keeps trying for a while; what the proxy holds must not grow.
    qint64 most = 0;
    for (int i = 0; i < 10; ++i) {
        QTest::qWait(50);
        most = std::max(most, proxy.heldBytes());
    }
    const qint64 waiting = client.socket.bytesToWrite();
    qInfo("partitioned, 64 MB sent: the proxy holds at most %lld bytes, %lld wait in the sender",
        most, waiting);
    QVERIFY2(most <= 2 * LinkProxy::kMaxHeldBytes, qPrintable(QString::number(most)));
    QVERIFY2(waiting > kSent / 2, qPrintable(QString::number(waiting))); // backpressure
    QCOMPARE(sink.received, 0);
    proxy.heal();
    QTRY_COMPARE_WITH_TIMEOUT(sink.received, kSent, scaledMs(9000));
    QCOMPARE(proxy.stats().bytesUp, kSent);
}

void tst_LinkProxy::closeFollowsDelayedData()
{
    TargetServer sink(false);
    QVERIFY(sink.listen());
    LinkProxy proxy(QStringLiteral("127.0.0.1"), sink.port());
    FARMCHAT_VERIFY_OK(proxy.listen());
    proxy.setFault(latency(200));
    Client client(proxy.port());
    QVERIFY(client.waitConnected());
    QSignalSpy count(&proxy, &LinkProxy::connectionCountChanged);
    client.socket.write(QByteArray(1000, 'c'));
    client.socket.disconnectFromHost();
    // The close waits behind the delayed bytes, and arrives after all of them.
    QTRY_COMPARE_WITH_TIMEOUT(sink.closes, 1, kWaitMs);
    QCOMPARE(sink.received, 1000);
    QTRY_COMPARE_WITH_TIMEOUT(proxy.connectionCount(), 0, kWaitMs);
    QCOMPARE(count.size(), 1);
}

void tst_LinkProxy::partitionHoldsClose()
{
    TargetServer sink(false);
    QVERIFY(sink.listen());
    LinkProxy proxy(QStringLiteral("127.0.0.1"), sink.port());
    FARMCHAT_VERIFY_OK(proxy.listen());
    Client client(proxy.port());
    QVERIFY(client.waitConnected());
    QTRY_COMPARE_WITH_TIMEOUT(proxy.connectionCount(), 1, kWaitMs);
    LinkFault partition;
    partition.partitioned = true;
    proxy.setFault(partition);
    client.socket.write(QByteArray(100, 'p'));
    client.socket.disconnectFromHost();
    QTest::qWait(300); // the window in which neither the bytes nor the close may pass
    QCOMPARE(sink.received, 0);
    QCOMPARE(sink.closes, 0);
    QCOMPARE(proxy.connectionCount(), 1);
    proxy.heal();
    QTRY_COMPARE_WITH_TIMEOUT(sink.closes, 1, kWaitMs);
    QCOMPARE(sink.received, 100);
    QTRY_COMPARE_WITH_TIMEOUT(proxy.connectionCount(), 0, kWaitMs);
}

void tst_LinkProxy::resetCutsWithRst()
{
    EchoBehindProxy link;
    FARMCHAT_VERIFY_OK(link.listen());
    LinkProxy &proxy = *link.proxy;
    Client client(proxy.port());
    QVERIFY(client.waitConnected());
    QVERIFY(client.roundTripMs() >= 0);
    QSignalSpy errors(&client.socket, &QTcpSocket::errorOccurred);
    proxy.reset();
    QTRY_COMPARE_WITH_TIMEOUT(client.socket.state(), QAbstractSocket::UnconnectedState, kWaitMs);
    QVERIFY(!errors.isEmpty());
    const auto error = errors.first().first().value<QAbstractSocket::SocketError>();
    // Qt reports a reset (ECONNRESET) as RemoteHostClosedError too.
    QVERIFY2(
        error == QAbstractSocket::RemoteHostClosedError, qPrintable(client.socket.errorString()));
    QCOMPARE(proxy.stats().resets, 1);
    QCOMPARE(proxy.connectionCount(), 0);
    // Still listening: a new connection goes through.
    Client again(proxy.port());
    QVERIFY(again.waitConnected());
    QVERIFY(again.roundTripMs() >= 0);
}

void tst_LinkProxy::refuseNewSparesOpenConnections()
{
    EchoBehindProxy link;
    FARMCHAT_VERIFY_OK(link.listen());
    LinkProxy &proxy = *link.proxy;
    Client open(proxy.port());
    QVERIFY(open.waitConnected());
    QVERIFY(open.roundTripMs() >= 0);
    LinkFault refuse;
    refuse.refuseNew = true;
    proxy.setFault(refuse);
    Client late(proxy.port());
    QTRY_COMPARE_WITH_TIMEOUT(late.socket.state(), QAbstractSocket::UnconnectedState, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(proxy.stats().refused, 1, kWaitMs);
    QCOMPARE(proxy.stats().accepted, 1);
    QCOMPARE(proxy.connectionCount(), 1);
    QVERIFY(open.roundTripMs() >= 0);
}

void tst_LinkProxy::refusingTargetClosesClient()
{
    quint16 closedPort = 0;
    {
        QTcpServer probe; // a port that was free a moment ago, nothing listens now
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        closedPort = probe.serverPort();
    }
    LinkProxy proxy(QStringLiteral("127.0.0.1"), closedPort);
    FARMCHAT_VERIFY_OK(proxy.listen());
    Client client(proxy.port());
    QTRY_COMPARE_WITH_TIMEOUT(proxy.stats().refused, 1, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(client.socket.state(), QAbstractSocket::UnconnectedState, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(proxy.connectionCount(), 0, kWaitMs);
}

QTEST_GUILESS_MAIN(tst_LinkProxy)
#include "tst_linkproxy.moc"
