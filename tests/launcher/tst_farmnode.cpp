#include "launcher/farmnode.h"
#include "launcher/managedprocess.h"
#include "launcher/nodehttpclient_p.h"
#include "platform/processguard.h"

#include <QFile>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using namespace farmchat;

namespace {

// Answers every HTTP request with the status and body it is told to: stands
// in for a node's /health, so FarmNode's health-wait is tested on its own.
class FakeHealthServer : public QObject
{
public:
    FakeHealthServer()
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                socket->setParent(this);
                connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
                    m_buffers[socket] += socket->readAll();
                    if (!m_buffers[socket].contains("\r\n\r\n"))
                        return;
                    ++requests;
                    socket->write("HTTP/1.1 " + QByteArray::number(status)
                        + " X\r\nContent-Type: application/json\r\n" + "Content-Length: "
                        + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
                    socket->disconnectFromHost();
                    m_buffers.remove(socket);
                });
            }
        });
    }
    quint16 port() const { return m_server.serverPort(); }
    QByteArray goodBody(int clients = 0) const
    {
        return QStringLiteral(
            R"({"nodeId":"node-%1","port":%1,"backplane":"pubsub","redisConnected":true,"clients":%2})")
            .arg(port())
            .arg(clients)
            .toUtf8();
    }

    int status = 200;
    QByteArray body;
    int requests = 0;

private:
    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
};

} // namespace

class tst_FarmNode : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void commandLine();
    void sentinelCommandLine();
    void healthyOnFirstGoodAnswer();
    void anotherProgramOnThePortIsNotOurNode();
    void exitWhileStartingSaysWhy();
    void runningPollsTrackHealth();

private:
    std::unique_ptr<FarmNode> makeNode(quint16 port, const QStringList &childArguments);

    ProcessGuard m_guard;
    NodeHttpClient m_http;
    QString m_child;
};

void tst_FarmNode::initTestCase()
{
    m_child = qEnvironmentVariable("FARMCHAT_TESTCHILD_BIN");
    QVERIFY2(QFile::exists(m_child),
        "FARMCHAT_TESTCHILD_BIN must name the testchild binary (run through ctest)");
}

std::unique_ptr<FarmNode> tst_FarmNode::makeNode(quint16 port, const QStringList &childArguments)
{
    auto node = std::make_unique<FarmNode>(port, m_guard, m_http);
    node->process()->setProgram(m_child, childArguments);
    return node;
}

void tst_FarmNode::commandLine()
{
    const QStringList arguments = FarmNode::commandLine(9091, {9090, 9091, 9092},
        QStringLiteral("redis://127.0.0.1:6400/0"), BackplaneMode::Streams);
    QCOMPARE(arguments,
        (QStringList {"--port", "9091", "--node-id", "node-9091", "--redis",
            "redis://127.0.0.1:6400/0", "--backplane", "streams", "--allowed-origin",
            "http://127.0.0.1:9090", "--allowed-origin", "http://localhost:9090",
            "--allowed-origin", "http://127.0.0.1:9092", "--allowed-origin",
            "http://localhost:9092"}));
    // A one-node farm has no other origins to allow.
    QCOMPARE(FarmNode::commandLine(
                 9090, {9090}, QStringLiteral("redis://127.0.0.1:1/0"), BackplaneMode::Off)
                 .size(),
        8);
}

void tst_FarmNode::sentinelCommandLine()
{
    // Behind Sentinel the node gets the Sentinels instead of --redis, and
    // streams WAIT for the replica unless it was switched off.
    FarmNode node(9090, m_guard, m_http);
    node.setSentinels(
        QStringLiteral("127.0.0.1:1,127.0.0.1:2"), QStringLiteral("farmchat"), "sentinel-secret");
    node.prepareRun(m_child, {9090}, QStringLiteral("redis://127.0.0.1:6400/0"),
        BackplaneMode::Streams, "redis-secret", "admin");
    QStringList arguments = node.process()->arguments();
    QVERIFY(!arguments.contains(u"--redis"));
    QVERIFY(!arguments.join(u' ').contains(u"secret"));
    auto valueOf = [&arguments](const char *flag) {
        const qsizetype at = arguments.indexOf(QLatin1String(flag));
        return at >= 0 && at + 1 < arguments.size() ? arguments[at + 1] : QString();
    };
    QCOMPARE(valueOf("--redis-sentinel"), u"127.0.0.1:1,127.0.0.1:2");
    QCOMPARE(valueOf("--redis-master-name"), u"farmchat");
    QCOMPARE(valueOf("--stream-wait-replicas"), u"1");
    QCOMPARE(valueOf("--stream-wait-timeout"), u"500");
    node.setStreamWait(1, 1500);
    node.prepareRun(m_child, {9090}, QString(), BackplaneMode::Streams, {}, "admin");
    arguments = node.process()->arguments();
    QCOMPARE(valueOf("--stream-wait-timeout"), u"1500");
    node.setStreamWait(0, 1500);
    node.prepareRun(m_child, {9090}, QString(), BackplaneMode::Streams, {}, "admin");
    arguments = node.process()->arguments();
    QCOMPARE(valueOf("--stream-wait-replicas"), u"0");
    QVERIFY(!arguments.contains(u"--stream-wait-timeout"));
}

void tst_FarmNode::healthyOnFirstGoodAnswer()
{
    FakeHealthServer server;
    server.body = server.goodBody(2);
    auto node
        = makeNode(server.port(), {"--print", "listening http://127.0.0.1:1", "--sleep", "-1"});
    QCOMPARE(node->name(), QStringLiteral("node-%1").arg(server.port()));
    QCOMPARE(node->url().toString(), QStringLiteral("http://127.0.0.1:%1/").arg(server.port()));
    QSignalSpy healthy(node.get(), &FarmNode::becameHealthy);
    QSignalSpy failed(node.get(), &FarmNode::startFailed);
    node->process()->start();
    QTRY_COMPARE_WITH_TIMEOUT(healthy.size(), 1, 5000);
    QCOMPARE(node->process()->state(), ProcessState::Healthy);
    QVERIFY(node->health().reachable);
    QCOMPARE(node->health().clients, 2);
    QCOMPARE(node->health().backplane, BackplaneMode::PubSub);
    QVERIFY(failed.isEmpty());
    node->process()->stop();
    QTRY_COMPARE_WITH_TIMEOUT(node->process()->state(), ProcessState::Stopped, 5000);
    QVERIFY(!node->health().reachable);
}

void tst_FarmNode::anotherProgramOnThePortIsNotOurNode()
{
    FakeHealthServer server;
    server.body = R"({"nodeId":"node-1","port":1,"backplane":"off"})";
    auto node = makeNode(server.port(), {"--print", "some output", "--sleep", "-1"});
    node->setHealthTimeoutMs(600);
    QSignalSpy failed(node.get(), &FarmNode::startFailed);
    node->process()->start();
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 5000);
    const QString error = failed.first().first().toString();
    QVERIFY2(
        error.contains(QStringLiteral("did not answer /health within 600 ms")), qPrintable(error));
    QVERIFY2(error.contains(u"some output"), qPrintable(error)); // its last lines help
    QVERIFY(server.requests > 3);
    QTRY_COMPARE_WITH_TIMEOUT(node->process()->state(), ProcessState::Crashed, 5000);
    QVERIFY2(node->process()->exitReason().contains(u"no good /health within 600 ms"),
        qPrintable(node->process()->exitReason()));
}

void tst_FarmNode::exitWhileStartingSaysWhy()
{
    FakeHealthServer server;
    server.status = 503;
    auto node = makeNode(server.port(), {"--stderr", "port 9090 in use", "--exit", "3"});
    QSignalSpy failed(node.get(), &FarmNode::startFailed);
    node->process()->start();
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 5000);
    QCOMPARE(failed.first().first().toString(),
        QStringLiteral("node-%1 ended while starting: exit code 3: port 9090 in use")
            .arg(server.port()));
}

void tst_FarmNode::runningPollsTrackHealth()
{
    FakeHealthServer server;
    server.body = server.goodBody(0);
    auto node = makeNode(server.port(), {"--sleep", "-1"});
    node->setPollIntervalMs(100);
    QSignalSpy healthy(node.get(), &FarmNode::becameHealthy);
    QSignalSpy changed(node.get(), &FarmNode::healthChanged);
    node->process()->start();
    QTRY_COMPARE_WITH_TIMEOUT(healthy.size(), 1, 5000);
    const qsizetype before = changed.size();
    server.body = server.goodBody(7);
    QTRY_COMPARE_WITH_TIMEOUT(node->health().clients, 7, 3000);
    QCOMPARE(changed.size(), before + 1); // one change, however many polls
    server.status = 500;
    QTRY_VERIFY_WITH_TIMEOUT(!node->health().reachable, 3000);
    QVERIFY2(node->health().error.contains(u"500"), qPrintable(node->health().error));
    QCOMPARE(node->process()->state(),
        ProcessState::Healthy); // the process lives on; only its answers failed
    node->process()->kill();
    QTRY_COMPARE_WITH_TIMEOUT(node->process()->state(), ProcessState::Crashed, 5000);
}

QTEST_GUILESS_MAIN(tst_FarmNode)
#include "tst_farmnode.moc"
