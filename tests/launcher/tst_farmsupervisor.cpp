#include "launcher/farmnode.h"
#include "launcher/farmsupervisor.h"
#include "launcher/haproxyinstance.h"
#include "launcher/managedprocess.h"
#include "launcher/redisinstance.h"
#include "tests/support/testredisserver.h"
#include "tests/support/verifyresult.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <csignal>
#include <optional>

using namespace farmchat;
using farmchat::test::inlineCommandAfterAuth;

namespace {

// Alive and not a zombie waiting to be reaped.
bool isAlive(qint64 pid)
{
    if (pid <= 0 || ::kill(pid_t(pid), 0) != 0)
        return false;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return true;
    const QByteArray text = stat.readAll();
    const qsizetype close = text.lastIndexOf(')');
    return close < 0 || text.mid(close + 2, 1) != "Z";
}

QByteArray procFile(qint64 pid, const char *name)
{
    QFile file(QStringLiteral("/proc/%1/%2").arg(pid).arg(QLatin1StringView(name)));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

// FarmSupervisor against real redis-server and farmchat-node processes.
class tst_FarmSupervisor : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void threeNodeFarmLifecycle();
    void takenPortStartsNothing();
    void nodeThatNeverAnswersFailsTheWholeStart();
    void keepRunningRestartsCrashesNotKills();
    void redisRestartKeepsPortAndPasswordLosesData();
    void externalRedis();
    void removedWhileJoiningTheBalancer();

private:
    FarmConfig baseConfig(int nodes) const;
    bool startFarm(FarmSupervisor &farm, const FarmConfig &config);
    bool stopFarm(FarmSupervisor &farm);
};

void tst_FarmSupervisor::initTestCase()
{
    QVERIFY2(QFile::exists(qEnvironmentVariable("FARMCHAT_NODE_BIN")),
        "FARMCHAT_NODE_BIN must name farmchat-node (run through ctest)");
    QVERIFY2(!farmchat::test::TestRedisServer::binaryPath().isEmpty(),
        "redis-server is needed: sudo apt-get install redis-server");
}

FarmConfig tst_FarmSupervisor::baseConfig(int nodes) const
{
    FarmConfig config;
    config.nodes = nodes;
    config.basePort = 0;
    config.pollIntervalMs = 200;
    return config;
}

bool tst_FarmSupervisor::startFarm(FarmSupervisor &farm, const FarmConfig &config)
{
    QSignalSpy started(&farm, &FarmSupervisor::started);
    QSignalSpy errors(&farm, &FarmSupervisor::error);
    farm.start(config);
    if (!QTest::qWaitFor([&] { return !started.isEmpty() || !errors.isEmpty(); }, 20000))
        qWarning("farm did not start within 20 s");
    if (!errors.isEmpty())
        qWarning("farm failed: %s", qPrintable(errors.first().first().toString()));
    return started.size() == 1 && farm.state() == FarmState::Running;
}

bool tst_FarmSupervisor::stopFarm(FarmSupervisor &farm)
{
    QSignalSpy stopped(&farm, &FarmSupervisor::stopped);
    farm.stop();
    return QTest::qWaitFor([&] { return farm.state() == FarmState::Stopped; }, 10000);
}

void tst_FarmSupervisor::threeNodeFarmLifecycle()
{
    QTemporaryDir logs;
    FarmConfig config = baseConfig(3);
    config.logDir = logs.filePath(QStringLiteral("logs"));
    FarmSupervisor farm;
    QSignalSpy progress(&farm, &FarmSupervisor::progress);
    QSignalSpy added(&farm, &FarmSupervisor::processAdded);
    QVERIFY(startFarm(farm, config));

    // Redis, then the nodes; every step reported, the last one is "all healthy".
    QCOMPARE(farm.processCount(), 4);
    QCOMPARE(added.size(), 4);
    QCOMPARE(farm.nodeCount(), 3);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(farm.process(farm.processIndexOfNode(i)), farm.node(i)->process());
        QCOMPARE(farm.nodeIndexOfProcess(farm.processIndexOfNode(i)), i);
    }
    QCOMPARE(farm.nodeIndexOfProcess(0), -1); // Redis
    QVERIFY(!progress.isEmpty());
    QCOMPARE(progress.last().at(0).toInt(), progress.last().at(1).toInt());
    QVERIFY(farm.startupMs() > 0);
    RedisInstance *redis = farm.redis();
    QVERIFY(redis);
    QCOMPARE(redis->process()->state(), ProcessState::Healthy);
    const QString redisDir = redis->directory();
    QVERIFY(QDir(redisDir).exists());
    QList<qint64> pids {redis->process()->pid()};
    for (int i = 0; i < 3; ++i) {
        FarmNode *node = farm.node(i);
        QCOMPARE(node->process()->state(), ProcessState::Healthy);
        pids << node->process()->pid();
        QTRY_VERIFY_WITH_TIMEOUT(node->health().reachable && node->health().redisConnected, 10000);
        QCOMPARE(node->health().backplane, BackplaneMode::PubSub);
        QVERIFY(QFile::exists(node->process()->logFile()));
    }
    for (const qint64 pid : std::as_const(pids))
        QVERIFY(isAlive(pid));
    // The password reaches the nodes through their environment, never argv.
    for (const qint64 pid : std::as_const(pids))
        QVERIFY2(!procFile(pid, "cmdline").contains(redis->password()),
            "a password is on a command line");
    QVERIFY(procFile(pids[1], "environ")
                .contains(QByteArray("FARMCHAT_REDIS_PASSWORD=" + redis->password())));
    QVERIFY(!procFile(pids[0], "environ").contains("FARMCHAT_ADMIN_TOKEN="));

    // SIGKILL from outside: a crash, with its reason; not restarted (keepRunning is off).
    ManagedProcess *victim = farm.node(1)->process();
    QVERIFY(::kill(pid_t(victim->pid()), SIGKILL) == 0);
    QTRY_COMPARE_WITH_TIMEOUT(victim->state(), ProcessState::Crashed, 5000);
    QCOMPARE(victim->exitReason(), QStringLiteral("killed by SIGKILL"));
    QVERIFY(!victim->exitWasRequested());
    QTRY_VERIFY_WITH_TIMEOUT(!farm.node(1)->health().reachable, 3000);
    QCOMPARE(
        farm.state(), FarmState::Running); // one node down is a degraded farm, not a stopped one

    // Restart: a new process, healthy again.
    const qint64 oldPid = victim->pid();
    farm.restartNode(1);
    QTRY_COMPARE_WITH_TIMEOUT(victim->state(), ProcessState::Healthy, 10000);
    QVERIFY(victim->pid() != oldPid);
    pids << victim->pid();

    // Cut one node off, then switch the whole farm.
    QSignalSpy switched(&farm, &FarmSupervisor::backplaneRequestFinished);
    farm.setNodeBackplane(2, BackplaneMode::Off);
    QTRY_COMPARE_WITH_TIMEOUT(switched.size(), 1, 5000);
    QCOMPARE(switched.first().at(1).toInt(), 2);
    QVERIFY2(qvariant_cast<Result<void>>(switched.first().at(2)).ok(),
        qPrintable(qvariant_cast<Result<void>>(switched.first().at(2)).error()));
    QTRY_COMPARE_WITH_TIMEOUT(farm.node(2)->health().backplane, BackplaneMode::Off, 5000);
    QCOMPARE(farm.node(0)->health().backplane, BackplaneMode::PubSub);
    // One owner of the mode: the farm's stays; only node 2 was told another.
    QCOMPARE(farm.backplane(), BackplaneMode::PubSub);
    QCOMPARE(farm.config().backplane, BackplaneMode::PubSub);
    QCOMPARE(farm.nodeBackplane(2), BackplaneMode::Off);
    QCOMPARE(farm.nodeBackplane(1), BackplaneMode::PubSub);
    farm.setBackplane(BackplaneMode::Streams);
    QTRY_COMPARE_WITH_TIMEOUT(switched.size(), 2, 5000);
    QVERIFY2(qvariant_cast<Result<void>>(switched.last().at(2)).ok(),
        qPrintable(qvariant_cast<Result<void>>(switched.last().at(2)).error()));
    for (int i = 0; i < 3; ++i)
        QTRY_COMPARE_WITH_TIMEOUT(farm.node(i)->health().backplane, BackplaneMode::Streams, 5000);
    QCOMPARE(farm.backplane(), BackplaneMode::Streams);
    QCOMPARE(farm.config().backplane, BackplaneMode::Streams);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(farm.nodeBackplane(i), BackplaneMode::Streams); // the cut-off node is back on

    // Stop: nothing left running, Redis's temp dir gone; the model keeps the last word.
    QVERIFY(stopFarm(farm));
    for (const qint64 pid : std::as_const(pids))
        QVERIFY2(!isAlive(pid), qPrintable(QString::number(pid)));
    QVERIFY(!QDir(redisDir).exists());
    for (int i = 0; i < farm.processCount(); ++i) {
        QCOMPARE(farm.process(i)->state(), ProcessState::Stopped);
        QVERIFY(farm.process(i)->exitReason().startsWith(u"stopped: "));
    }
    QFile log(farm.node(0)->process()->logFile());
    QVERIFY(log.open(QIODevice::ReadOnly));
    QVERIFY(log.readAll().contains("listening http://127.0.0.1:"));
}

void tst_FarmSupervisor::takenPortStartsNothing()
{
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
    QTcpServer other;
    QVERIFY(other.listen(QHostAddress::LocalHost, 0));
    const quint16 freePort = other.serverPort();
    other.close();
    FarmConfig config = baseConfig(2);
    config.ports = {freePort, squatter.serverPort()};
    FarmSupervisor farm;
    QSignalSpy errors(&farm, &FarmSupervisor::error);
    QSignalSpy stopped(&farm, &FarmSupervisor::stopped);
    QSignalSpy added(&farm, &FarmSupervisor::processAdded);
    farm.start(config);
    QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, 5000);
    QCOMPARE(errors.size(), 1);
    const QString error = errors.first().first().toString();
    QVERIFY2(error.contains(QStringLiteral("port %1 is in use by pid %2")
                                .arg(squatter.serverPort())
                                .arg(QCoreApplication::applicationPid())),
        qPrintable(error));
    QCOMPARE(farm.lastError(), error);
    QCOMPARE(added.size(), 0); // nothing was started
    QCOMPARE(farm.processCount(), 0);
    QCOMPARE(farm.state(), FarmState::Stopped);
}

void tst_FarmSupervisor::nodeThatNeverAnswersFailsTheWholeStart()
{
    const QString child = qEnvironmentVariable("FARMCHAT_TESTCHILD_BIN");
    QVERIFY2(QFile::exists(child), "FARMCHAT_TESTCHILD_BIN is needed");
    FarmConfig config = baseConfig(2);
    config.nodeBinary = child; // a program that is no node: it refuses the node's flags
    config.healthTimeoutMs = 800;
    FarmSupervisor farm;
    QSignalSpy errors(&farm, &FarmSupervisor::error);
    farm.start(config);
    QTRY_COMPARE_WITH_TIMEOUT(farm.state(), FarmState::Stopped, 10000);
    QVERIFY(!errors.isEmpty());
    // The first node to fail fails the start; everything started so far is stopped.
    const QString error = errors.first().first().toString();
    QVERIFY2(error.contains(u"ended while starting") || error.contains(u"did not answer /health"),
        qPrintable(error));
    QVERIFY(farm.processCount() == 3);
    for (int i = 0; i < farm.processCount(); ++i) {
        QVERIFY(!isLive(farm.process(i)->state()));
        QVERIFY(!isAlive(farm.process(i)->pid()));
    }
    QVERIFY(farm.redis()->directory().isEmpty()); // its temp dir is gone
}

void tst_FarmSupervisor::keepRunningRestartsCrashesNotKills()
{
    FarmConfig config = baseConfig(1);
    config.keepRunning = true;
    FarmSupervisor farm;
    QVERIFY(startFarm(farm, config));
    ManagedProcess *node = farm.node(0)->process();
    QSignalSpy scheduled(&farm, &FarmSupervisor::restartScheduled);
    const qint64 firstPid = node->pid();
    QVERIFY(::kill(pid_t(firstPid), SIGKILL) == 0);
    QTRY_COMPARE_WITH_TIMEOUT(scheduled.size(), 1, 5000);
    QCOMPARE(scheduled.first().at(1).toInt(), 500);
    QCOMPARE(scheduled.first().at(2).toString(), QStringLiteral("killed by SIGKILL"));
    QTRY_VERIFY_WITH_TIMEOUT(
        node->state() == ProcessState::Healthy && node->pid() != firstPid, 10000);

    // A kill the user asked for is a fault to look at, not something to undo.
    farm.killNode(0);
    QTRY_COMPARE_WITH_TIMEOUT(node->state(), ProcessState::Crashed, 5000);
    QVERIFY(node->exitWasRequested());
    QVERIFY(!QTest::qWaitFor([&] { return scheduled.size() > 1; }, 1500));
    QCOMPARE(node->state(), ProcessState::Crashed);
    QVERIFY(stopFarm(farm));
}

void tst_FarmSupervisor::redisRestartKeepsPortAndPasswordLosesData()
{
    FarmSupervisor farm;
    QVERIFY(startFarm(farm, baseConfig(1)));
    RedisInstance *redis = farm.redis();
    const quint16 port = redis->port();
    const QByteArray password = redis->password();
    QCOMPARE(inlineCommandAfterAuth(port, password, "SET farmchat-test 1"), QByteArray("+OK"));
    QCOMPARE(inlineCommandAfterAuth(port, "wrong-password", "PING").left(1), QByteArray("-"));
    // The farm's Redis has FarmConfig's memory cap (the default here).
    QCOMPARE(inlineCommandAfterAuth(port, password, "CONFIG GET maxmemory"),
        QByteArray("*2\r\n$9\r\nmaxmemory\r\n$9\r\n268435456"));

    farm.restartRedis();
    QTRY_COMPARE_WITH_TIMEOUT(redis->process()->startCount(), 2, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(redis->process()->state(), ProcessState::Healthy, 10000);
    QCOMPARE(redis->port(), port);
    QCOMPARE(redis->password(), password);
    QCOMPARE(inlineCommandAfterAuth(port, password, "GET farmchat-test"),
        QByteArray("$-1")); // back empty
    QCOMPARE(inlineCommandAfterAuth(port, password, "CONFIG GET maxmemory"),
        QByteArray("*2\r\n$9\r\nmaxmemory\r\n$9\r\n268435456")); // and capped again
    // The node finds its Redis again by itself.
    QTRY_VERIFY_WITH_TIMEOUT(farm.node(0)->health().redisConnected, 15000);

    farm.killRedis();
    QTRY_COMPARE_WITH_TIMEOUT(redis->process()->state(), ProcessState::Crashed, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!farm.node(0)->health().redisConnected, 10000);
    const QString dir = redis->directory();
    QVERIFY(stopFarm(farm));
    QVERIFY(!QDir(dir).exists());
}

void tst_FarmSupervisor::externalRedis()
{
    farmchat::test::TestRedisServer external;
    FARMCHAT_VERIFY_OK(external.start());
    const QByteArray saved = qgetenv("FARMCHAT_REDIS_PASSWORD");
    const auto restore = qScopeGuard([&] {
        saved.isNull() ? qunsetenv("FARMCHAT_REDIS_PASSWORD")
                       : qputenv("FARMCHAT_REDIS_PASSWORD", saved);
    });
    FarmConfig config = baseConfig(2);
    config.redisUrl = external.url();

    qputenv("FARMCHAT_REDIS_PASSWORD", "not-the-password");
    FarmSupervisor refused;
    QSignalSpy errors(&refused, &FarmSupervisor::error);
    refused.start(config);
    QTRY_COMPARE_WITH_TIMEOUT(
        refused.state(), FarmState::Stopped, 5000); // at once, not after the timeout
    QVERIFY(!errors.isEmpty());
    QVERIFY2(errors.first().first().toString().contains(u"refused"),
        qPrintable(errors.first().first().toString()));
    QVERIFY(!errors.first().first().toString().contains(u"not-the-password"));

    qputenv("FARMCHAT_REDIS_PASSWORD", external.password());
    FarmSupervisor farm;
    QVERIFY(startFarm(farm, config));
    QVERIFY(farm.redis() == nullptr);
    QCOMPARE(farm.processCount(), 2); // no Redis process of its own
    for (int i = 0; i < 2; ++i)
        QTRY_VERIFY_WITH_TIMEOUT(farm.node(i)->health().redisConnected, 10000);
    QVERIFY(stopFarm(farm));
    QVERIFY(external.isRunning()); // not ours to stop
}

// Behind a balancer, a node removed before HAProxy heard of it (still
// starting), then one removed the moment it is healthy, while HAProxy is
// being told to add its server: the first needs no HAProxy step, the second
// waits its turn. Either way the farm says nothing failed, and HAProxy (and
// the config a restarted HAProxy would write) ends up without the server.
void tst_FarmSupervisor::removedWhileJoiningTheBalancer()
{
    FarmConfig config = baseConfig(2);
    config.loadBalancer = LbPolicy::Sticky;
    FarmSupervisor farm;
    QVERIFY(startFarm(farm, config));
    HaproxyInstance *lb = farm.loadBalancer();
    QVERIFY(lb);
    QSignalSpy errors(&farm, &FarmSupervisor::error);
    QSignalSpy removed(&farm, &FarmSupervisor::nodeRemoveFinished);
    for (const bool whenHealthy : {false, true}) {
        quint16 port = 0;
        bool addUnderWay = false;
        connect(
            &farm, &FarmSupervisor::processAdded, this,
            [&](int processIndex) {
                FarmNode *joining = farm.node(farm.nodeIndexOfProcess(processIndex));
                port = joining->port();
                const auto removeIt = [&, joining] {
                    addUnderWay = lb->hasServer(joining->port())
                        && !lb->configText().contains(
                            HaproxyConfig::serverName(joining->port()).toUtf8());
                    farm.removeNode(farm.nodeCount() - 1);
                };
                // After the farm's own handler, which has just asked for the server.
                if (whenHealthy)
                    connect(joining, &FarmNode::becameHealthy, this, removeIt,
                        Qt::SingleShotConnection);
                else
                    QTimer::singleShot(0, this, removeIt); // once addNode() has returned
            },
            Qt::SingleShotConnection);
        farm.addNode();
        QTRY_COMPARE_WITH_TIMEOUT(removed.size(), whenHealthy ? 2 : 1, 20000);
        QCOMPARE(addUnderWay, whenHealthy);
        const auto outcome = qvariant_cast<Result<void>>(removed.last().at(2));
        QVERIFY2(outcome.ok(), qPrintable(outcome.error()));
        QVERIFY2(errors.isEmpty(),
            qPrintable(errors.isEmpty() ? QString() : errors.first().first().toString()));
        QCOMPARE(farm.nodeCount(), 2);
        QVERIFY(!lb->hasServer(port));
        QVERIFY(!lb->configText().contains(HaproxyConfig::serverName(port).toUtf8()));
        QTRY_VERIFY_WITH_TIMEOUT(lb->servers().size() == 2 && !lb->server(port), 5000);
    }

    // Changes still waiting when HAProxy ends get their answer: no caller waits forever.
    std::optional<Result<void>> drained;
    std::optional<Result<void>> readied;
    const quint16 first = farm.node(0)->port();
    lb->setServerAdmin(first, LbServerAdmin::Drain, [&](const Result<void> &r) { drained = r; });
    lb->setServerAdmin(first, LbServerAdmin::Ready, [&](const Result<void> &r) { readied = r; });
    lb->kill();
    QTRY_VERIFY_WITH_TIMEOUT(drained && readied, 5000);
    QVERIFY(!readied->ok());
    QVERIFY(stopFarm(farm));
}

QTEST_GUILESS_MAIN(tst_FarmSupervisor)
#include "tst_farmsupervisor.moc"
