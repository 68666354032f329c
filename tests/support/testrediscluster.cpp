#include "tests/support/testrediscluster.h"

#include "tests/support/freeport.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QStandardPaths>
#include <QTest>
#include <QThread>

namespace farmchat::test {

namespace {

QByteArray clusterConfig(const QByteArray &password)
{
    // cluster-config-file is relative to `dir`, the server's own temp dir.
    // The bus port is picked too: the default, port + 10000, may be taken or
    // past 65535 for a port from the ephemeral range.
    return "cluster-enabled yes\n"
           "cluster-port "
        + QByteArray::number(findFreePort())
        + "\n"
          "cluster-config-file nodes.conf\n"
          "cluster-node-timeout 5000\n"
          "cluster-require-full-coverage no\n"
          "masterauth "
        + password + "\n";
}

} // namespace

TestRedisCluster::TestRedisCluster(int shards, int replicasPerShard)
    : m_password(TestRedisServer::randomPassword()), m_replicasPerShard(replicasPerShard)
{
    for (int i = 0; i < shards * (1 + replicasPerShard); ++i)
        m_servers.push_back(std::make_unique<TestRedisServer>(m_password));
}

TestRedisCluster::~TestRedisCluster() = default; // each TestRedisServer kills its process

QString TestRedisCluster::cliPath()
{
    const QString fromEnv = qEnvironmentVariable("FARMCHAT_REDIS_CLI");
    if (!fromEnv.isEmpty())
        return fromEnv;
    return QStandardPaths::findExecutable(QStringLiteral("redis-cli"));
}

Result<void> TestRedisCluster::start()
{
    for (int i = 0; i < size(); ++i) {
        const Result<void> started = shard(i).start(clusterConfig(m_password));
        if (!started)
            return Result<void>::failure(
                QStringLiteral("cluster node %1: %2").arg(i).arg(started.error()));
    }
    const Result<void> created = create();
    if (!created)
        return created;
    return waitUntilOk();
}

Result<void> TestRedisCluster::create() const
{
    QStringList arguments {QStringLiteral("--cluster"), QStringLiteral("create")};
    for (int i = 0; i < size(); ++i)
        arguments << QStringLiteral("127.0.0.1:%1").arg(shard(i).port());
    arguments << QStringLiteral("--cluster-replicas") << QString::number(m_replicasPerShard)
              << QStringLiteral("--cluster-yes");
    return runCli(arguments, QStringLiteral("--cluster create"));
}

Result<void> TestRedisCluster::reshard(int from, int to, int slots)
{
    const QStringList arguments {QStringLiteral("--cluster"), QStringLiteral("reshard"),
        QStringLiteral("127.0.0.1:%1").arg(shard(from).port()), QStringLiteral("--cluster-from"),
        QString::fromLatin1(nodeId(from)), QStringLiteral("--cluster-to"),
        QString::fromLatin1(nodeId(to)), QStringLiteral("--cluster-slots"), QString::number(slots),
        QStringLiteral("--cluster-yes")};
    return runCli(arguments, QStringLiteral("--cluster reshard"));
}

Result<void> TestRedisCluster::runCli(const QStringList &arguments, const QString &what) const
{
    const QString cli = cliPath();
    if (cli.isEmpty())
        return Result<void>::failure(QStringLiteral(
            "redis-cli not found: install it (sudo apt-get install redis-tools) or set "
            "FARMCHAT_REDIS_CLI"));
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("REDISCLI_AUTH"), QString::fromUtf8(m_password));
    process.setProcessEnvironment(environment);
    process.start(cli, arguments);
    if (!QTest::qWaitFor([&] { return process.state() == QProcess::NotRunning; }, 30000)) {
        process.kill();
        process.waitForFinished(5000);
        return Result<void>::failure(
            QStringLiteral("redis-cli %1 did not finish within 30 s").arg(what));
    }
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        return Result<void>::failure(
            QStringLiteral("redis-cli %1 failed: %2")
                .arg(what, QString::fromUtf8(process.readAll().right(2000))));
    return {};
}

Result<void> TestRedisCluster::waitUntilOk(int timeoutMs) const
{
    QElapsedTimer clock;
    clock.start();
    QString last;
    while (true) {
        last.clear();
        for (int i = 0; i < size() && last.isEmpty(); ++i) {
            if (!shard(i).isRunning())
                continue;
            const RedisReply info = shard(i).command({"CLUSTER", "INFO"}, 1000);
            const QByteArray text = info.value.toByteArray();
            if (!info.ok)
                last = QStringLiteral("node %1: %2").arg(i).arg(QString::fromUtf8(info.error));
            else if (!text.contains("cluster_state:ok"))
                last = QStringLiteral("node %1: %2")
                           .arg(i)
                           .arg(QString::fromUtf8(text.left(text.indexOf('\n')).trimmed()));
        }
        if (last.isEmpty())
            return {};
        if (clock.elapsed() > timeoutMs)
            return Result<void>::failure(QStringLiteral("the cluster was not ok within %1 ms (%2)")
                                             .arg(timeoutMs)
                                             .arg(last));
        QThread::msleep(50);
    }
}

QStringList TestRedisCluster::urls() const
{
    QStringList result;
    for (int i = 0; i < size(); ++i)
        result << shard(i).url(0);
    return result;
}

QByteArray TestRedisCluster::nodeId(int index) const
{
    return shard(index).command({"CLUSTER", "MYID"}).value.toByteArray();
}

int TestRedisCluster::ownerOf(int slot, int askIndex) const
{
    const RedisReply slots = shard(askIndex).command({"CLUSTER", "SLOTS"});
    for (const QVariant &range : slots.value.toList()) {
        const QVariantList fields = range.toList();
        if (fields.size() < 3 || slot < fields[0].toInt() || slot > fields[1].toInt())
            continue;
        const int port = fields[2].toList().value(1).toInt();
        for (int i = 0; i < size(); ++i) {
            if (shard(i).port() == port)
                return i;
        }
    }
    return -1;
}

int TestRedisCluster::firstSlotOf(int index) const
{
    const RedisReply slots = shard(index).command({"CLUSTER", "SLOTS"});
    int first = -1;
    for (const QVariant &range : slots.value.toList()) {
        const QVariantList fields = range.toList();
        if (fields.size() < 3 || fields[2].toList().value(1).toInt() != shard(index).port())
            continue;
        if (first < 0 || fields[0].toInt() < first)
            first = fields[0].toInt();
    }
    return first;
}

void TestRedisCluster::kill(int index)
{
    shard(index).kill();
}

Result<void> TestRedisCluster::restart(int index)
{
    const Result<void> restarted = shard(index).restartKeepingData();
    if (!restarted)
        return restarted;
    return waitUntilOk();
}

} // namespace farmchat::test
