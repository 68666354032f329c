// The node's own socket (server/tcpconnection_p.h) against a QTcpSocket peer
// on loopback: input kept only while unconsumed, output queued and counted,
// graceful close after the queued output, abort, peer close.
#include "platform/readinessloop.h"
#include "server/httpserver_p.h"
#include "server/tcpconnection_p.h"

#include <QTcpSocket>
#include <QTest>

#include <memory>

using namespace farmchat;

namespace {

// Consumes whole lines only; counts what it was told.
struct LineReceiver : TcpConnection::Receiver
{
    QList<QByteArray> lines;
    int disconnects = 0;

    qsizetype received(QByteArrayView bytes) override
    {
        qsizetype used = 0;
        for (qsizetype end; (end = bytes.indexOf('\n', used)) >= 0; used = end + 1)
            lines.append(bytes.sliced(used, end - used).toByteArray());
        return used;
    }
    void disconnected() override { ++disconnects; }
};

// A connected pair: `peer` (Qt) and the node's side on `loop`.
struct Pair
{
    ReadinessLoop loop;
    DescriptorServer server;
    QTcpSocket peer;
    std::unique_ptr<TcpConnection> connection;
    LineReceiver receiver;

    bool open()
    {
        qintptr accepted = -1;
        QObject::connect(&server, &DescriptorServer::descriptorAccepted,
            [&accepted](qintptr descriptor) { accepted = descriptor; });
        if (!server.listen(QHostAddress::LocalHost, 0))
            return false;
        peer.connectToHost(QHostAddress::LocalHost, server.serverPort());
        if (!QTest::qWaitFor([&] { return accepted >= 0; }, 5000))
            return false;
        connection = std::make_unique<TcpConnection>(loop, accepted);
        connection->setReceiver(&receiver);
        return connection->isOpen()
            && QTest::qWaitFor([&] { return peer.state() == QAbstractSocket::ConnectedState; });
    }
};

} // namespace

class tst_TcpConnection : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void keepsOnlyUnconsumedInput();
    void sendsQueuedChunksInOrder();
    void countsWhatTheKernelDidNotTake();
    void gracefulCloseSendsQueuedOutputFirst();
    void peerCloseIsReportedOnce();
    void abortClosesAtOnce();
};

void tst_TcpConnection::keepsOnlyUnconsumedInput()
{
    Pair pair;
    QVERIFY(pair.open());
    QCOMPARE(pair.connection->bufferedInputCapacity(), 0);
    pair.peer.write("partial");
    QTRY_VERIFY(pair.connection->hasBufferedInput());
    QVERIFY(pair.receiver.lines.isEmpty());
    pair.peer.write(" line\nnext\n");
    QTRY_COMPARE(pair.receiver.lines.size(), 2);
    QCOMPARE(pair.receiver.lines[0], QByteArray("partial line"));
    QCOMPARE(pair.receiver.lines[1], QByteArray("next"));
    // Idle again: no buffer held.
    QVERIFY(!pair.connection->hasBufferedInput());
    QCOMPARE(pair.connection->bufferedInputCapacity(), 0);
}

void tst_TcpConnection::sendsQueuedChunksInOrder()
{
    Pair pair;
    QVERIFY(pair.open());
    const QByteArray shared("shared;");
    for (int i = 0; i < 200; ++i) { // more chunks than one vectored send takes
        pair.connection->queue(QByteArray::number(i) + ':');
        pair.connection->queue(shared);
    }
    pair.connection->flush();
    QByteArray expected;
    for (int i = 0; i < 200; ++i)
        expected += QByteArray::number(i) + ':' + shared;
    QByteArray received;
    QTRY_COMPARE((received += pair.peer.readAll()).size(), expected.size());
    QCOMPARE(received, expected);
    QCOMPARE(pair.connection->bytesQueued(), 0);
}

void tst_TcpConnection::countsWhatTheKernelDidNotTake()
{
    Pair pair;
    QVERIFY(pair.open());
    pair.peer.setReadBufferSize(1); // Qt stops reading: the kernel buffers fill
    const QByteArray block(1024 * 1024, 'x');
    for (int i = 0; i < 16; ++i)
        pair.connection->queue(block);
    pair.connection->flush();
    QVERIFY(pair.connection->bytesQueued() > 0);
    QVERIFY(pair.connection->bytesQueued() < 16 * block.size());
    // Once the peer reads, write readiness sends the rest.
    pair.peer.setReadBufferSize(0);
    qint64 received = 0;
    QTRY_VERIFY_WITH_TIMEOUT((received += pair.peer.readAll().size()) == 16 * block.size(), 10000);
    QCOMPARE(pair.connection->bytesQueued(), 0);
}

void tst_TcpConnection::gracefulCloseSendsQueuedOutputFirst()
{
    Pair pair;
    QVERIFY(pair.open());
    pair.peer.write("unread input\n"); // the lingering close drains it
    QTRY_COMPARE(pair.receiver.lines.size(), 1);
    pair.connection->queue(QByteArray(300 * 1024, 'y'));
    pair.connection->queue("last");
    pair.connection->closeGracefully();
    QByteArray received;
    QTRY_VERIFY_WITH_TIMEOUT((received += pair.peer.readAll()).endsWith("last")
            && pair.peer.state() == QAbstractSocket::UnconnectedState,
        10000);
    QCOMPARE(received.size(), 300 * 1024 + 4);
    QCOMPARE(pair.receiver.disconnects, 1);
    QVERIFY(!pair.connection->isOpen());
}

void tst_TcpConnection::peerCloseIsReportedOnce()
{
    Pair pair;
    QVERIFY(pair.open());
    pair.peer.disconnectFromHost();
    QTRY_COMPARE(pair.receiver.disconnects, 1);
    QVERIFY(!pair.connection->isOpen());
    QCOMPARE(pair.loop.watchedCount(), 0);
    pair.connection->abort(); // nothing more happens
    QCOMPARE(pair.receiver.disconnects, 1);
}

void tst_TcpConnection::abortClosesAtOnce()
{
    Pair pair;
    QVERIFY(pair.open());
    pair.connection->queue("never sent");
    pair.connection->abort();
    QCOMPARE(pair.receiver.disconnects, 1);
    QCOMPARE(pair.connection->bytesQueued(), 0);
    QCOMPARE(pair.loop.watchedCount(), 0);
    QTRY_VERIFY(pair.peer.state() == QAbstractSocket::UnconnectedState);
}

QTEST_GUILESS_MAIN(tst_TcpConnection)
#include "tst_tcpconnection.moc"
