#include "tests/server/nodefixture.h"
#include "tests/support/timefactor.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTcpSocket>
#include <QTest>

#include <memory>
#include <vector>

using namespace farmchat;
using namespace farmchat::test;

// The node's listen backlog: a burst of connects larger than Qt's default (50)
// completes at once, instead of the clients past it waiting a second for the
// kernel to retry their SYN.
class tst_ListenBacklog : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void burstOfConnectsIsQueued();
};

void tst_ListenBacklog::burstOfConnectsIsQueued()
{
    auto started = startTestNode(testNodeConfig());
    QVERIFY2(started.ok(), qPrintable(started.error()));
    const std::unique_ptr<Node> node = std::move(started).value();
    // The event loop does not run here, so the node accepts nothing: every
    // connection waits in the kernel's queue, whose length is the backlog.
    // The kernel caps the backlog at net.core.somaxconn (4096 since Linux 5.4).
    int burst = 300;
    QFile somaxconn(QStringLiteral("/proc/sys/net/core/somaxconn"));
    if (somaxconn.open(QIODevice::ReadOnly))
        burst = qMin(burst, somaxconn.readAll().trimmed().toInt());
    QVERIFY2(burst > 100, "net.core.somaxconn is too small to tell a backlog of 1024 from 50");
    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < burst; ++i) {
        auto socket = std::make_unique<QTcpSocket>();
        socket->connectToHost(QHostAddress::LocalHost, node->port());
        QVERIFY2(socket->waitForConnected(500),
            qPrintable(QStringLiteral("connection %1 of %2 was not queued: %3")
                           .arg(i + 1)
                           .arg(burst)
                           .arg(socket->errorString())));
        sockets.push_back(std::move(socket));
    }
    QVERIFY2(clock.elapsed() < scaledMs(5000), qPrintable(QString::number(clock.elapsed())));
    // And the node serves them once it runs: the last one queued gets an answer.
    QTcpSocket &last = *sockets.back();
    last.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QByteArray answer;
    QTRY_VERIFY_WITH_TIMEOUT((answer += last.readAll()).contains("\r\n\r\n"), 10000);
    QVERIFY2(answer.startsWith("HTTP/1.1 200"), answer.constData());
}

QTEST_GUILESS_MAIN(tst_ListenBacklog)
#include "tst_listenbacklog.moc"
