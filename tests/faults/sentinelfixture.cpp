#include "tests/faults/sentinelfixture.h"

#include "tests/support/testredisserver.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QTest>

namespace farmchat::test {

QString SentinelTopology::sentinelList() const
{
    QStringList out;
    for (const quint16 port : sentinelPorts)
        out << QStringLiteral("127.0.0.1:%1").arg(port);
    return out.join(u',');
}

QString SentinelTopology::primaryAddress() const
{
    return QStringLiteral("127.0.0.1:%1").arg(primaryPort);
}

Result<void> SentinelTopology::start()
{
    launcher = std::make_unique<TestLauncher>(
        QStringList {QStringLiteral("--nodes"), QStringLiteral("1"), QStringLiteral("--base-port"),
            QStringLiteral("0"), QStringLiteral("--redis-topology"), QStringLiteral("sentinel"),
            QStringLiteral("--sentinel-down-after"), QString::number(kSentinelDownAfterMs),
            QStringLiteral("--json")});
    if (const auto started = launcher->start(); !started)
        return started;
    const QJsonObject ready = launcher->waitForEvent(QStringLiteral("ready"), 40000);
    if (ready.isEmpty()) {
        QString why;
        for (const QJsonObject &event : launcher->events()) {
            if (event.value(u"message").isString())
                why += event.value(u"message").toString() + u' ';
        }
        return Result<void>::failure(QStringLiteral("the launcher was not ready: ") + why
            + QString::fromUtf8(launcher->err().right(1000)));
    }
    if (const auto read = readReadyEvent(ready); !read)
        return read;
    return readPasswords();
}

Result<void> SentinelTopology::readReadyEvent(const QJsonObject &ready)
{
    const QJsonObject redis = ready.value(u"redis").toObject();
    if (redis.value(u"topology").toString() != u"sentinel")
        return Result<void>::failure(
            QStringLiteral("the ready event does not say topology sentinel"));
    // The launcher's own node confirms a streams Send once the replica has it.
    if (redis.value(u"streamWaitReplicas").toInt() != 1
        || redis.value(u"streamWaitTimeoutMs").toInt() != 500)
        return Result<void>::failure(
            QStringLiteral("the ready event does not show WAIT 1 replica, 500 ms"));
    primaryPid = qint64(redis.value(u"pid").toDouble());
    primaryPort = quint16(redis.value(u"port").toInt());
    replicaPort = quint16(redis.value(u"replica").toObject().value(u"port").toInt());
    for (const QJsonValue &s : redis.value(u"sentinels").toArray()) {
        sentinelPids << qint64(s.toObject().value(u"pid").toDouble());
        sentinelPorts << quint16(s.toObject().value(u"port").toInt());
    }
    if (sentinelPorts.size() != 3 || primaryPid <= 0 || replicaPort == 0)
        return Result<void>::failure(
            QStringLiteral("the ready event lacks the primary, the replica or the Sentinels"));
    return {};
}

Result<void> SentinelTopology::readPasswords()
{
    QDirIterator it(launcher->tempDir(), {QStringLiteral("sentinel-1.conf")}, QDir::Files,
        QDirIterator::Subdirectories);
    if (!it.hasNext())
        return Result<void>::failure(
            QStringLiteral("no sentinel-1.conf under the launcher's TMPDIR"));
    const QString path = it.next();
    // The directory keeps everyone else out; the files in it are the user's alone.
    configDir = QFileInfo(path).absolutePath();
    if (QFile::permissions(configDir)
        & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::ExeGroup
            | QFileDevice::ExeOther))
        return Result<void>::failure(QStringLiteral("%1 is open to others").arg(configDir));
    if (const auto closed = filesOpenToOthers(); !closed)
        return closed;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Result<void>::failure(file.errorString());
    for (const QByteArray &line : file.readAll().split('\n')) {
        // Sentinel's rewrite quotes some values.
        const QList<QByteArray> words = line.simplified().replace('"', "").split(' ');
        if (words.size() == 2 && words[0] == "requirepass")
            sentinelPassword = words[1];
        else if (words.size() == 4 && words[0] == "sentinel" && words[1] == "auth-pass")
            redisPassword = words[3];
    }
    if (sentinelPassword.isEmpty() || redisPassword.isEmpty())
        return Result<void>::failure(QStringLiteral("the Sentinel config lacks its passwords"));
    return {};
}

Result<void> SentinelTopology::filesOpenToOthers() const
{
    const QFileInfoList files = QDir(configDir).entryInfoList(QDir::Files | QDir::Hidden);
    if (files.isEmpty())
        return Result<void>::failure(QStringLiteral("no files in %1").arg(configDir));
    constexpr QFile::Permissions groupOrOther = QFile::ReadGroup | QFile::WriteGroup
        | QFile::ExeGroup | QFile::ReadOther | QFile::WriteOther | QFile::ExeOther;
    for (const QFileInfo &file : files) {
        const QFile::Permissions mode = QFile::permissions(file.absoluteFilePath());
        if (mode == QFile::Permissions())
            continue; // replaced between the listing and now: the next look sees it
        if (mode & groupOrOther)
            return Result<void>::failure(
                QStringLiteral("%1 is open to group or others (permissions 0x%2)")
                    .arg(file.absoluteFilePath())
                    .arg(QString::number(int(mode), 16)));
    }
    return {};
}

Result<void> SentinelTopology::rewrittenConfigsArePrivate(const QString &newPrimary) const
{
    const QByteArray port = newPrimary.section(u':', -1).toLatin1();
    for (int i = 1; i <= sentinelPorts.size(); ++i) {
        QFile file(QStringLiteral("%1/sentinel-%2.conf").arg(configDir).arg(i));
        if (!file.open(QIODevice::ReadOnly))
            return Result<void>::failure(
                file.fileName() + QStringLiteral(": ") + file.errorString());
        bool monitorsNew = false;
        for (const QByteArray &line : file.readAll().split('\n')) {
            const QList<QByteArray> words = line.simplified().replace('"', "").split(' ');
            if (words.size() >= 5 && words[0] == "sentinel" && words[1] == "monitor")
                monitorsNew = words[4] == port;
        }
        if (!monitorsNew)
            return Result<void>::failure(
                QStringLiteral("%1 does not monitor the new primary %2 yet")
                    .arg(file.fileName(), newPrimary));
    }
    return filesOpenToOthers();
}

QString SentinelTopology::roleOf(quint16 port) const
{
    const RedisReply reply = commandAt(port, redisPassword, {"ROLE"}, 2000);
    if (!reply.ok)
        return QString::fromUtf8(reply.error);
    const QVariantList role = reply.value.toList();
    if (role.isEmpty())
        return QStringLiteral("no ROLE answer");
    const QString kind = QString::fromLatin1(role[0].toByteArray());
    // slave: [slave, host, port, state, offset]
    if (kind == u"slave" && role.size() >= 4)
        return QStringLiteral("slave of %1:%2 (%3)")
            .arg(QString::fromLatin1(role[1].toByteArray()))
            .arg(role[2].toLongLong())
            .arg(QString::fromLatin1(role[3].toByteArray()));
    return kind;
}

QJsonObject sentinelHealth(TestFarm &farm, int node)
{
    return farm.health(node).value(u"redisSentinel").toObject();
}

qint64 everyNodeMoved(
    TestFarm &farm, const QString &oldPrimary, const QElapsedTimer &since, int timeoutMs)
{
    QList<bool> moved(farm.nodes(), false);
    while (since.elapsed() < timeoutMs) {
        bool all = true;
        for (int i = 0; i < farm.nodes(); ++i) {
            if (!moved[i]) {
                const QJsonObject health = farm.health(i);
                const QString primary
                    = health.value(u"redisSentinel").toObject().value(u"primary").toString();
                moved[i] = !primary.isEmpty() && primary != oldPrimary
                    && health.value(u"redisConnected").toBool();
            }
            all = all && moved[i];
        }
        if (all)
            return since.elapsed();
        QTest::qWait(20);
    }
    return -1;
}

FailoverCounts failoverCounts(TestFarm &farm)
{
    FailoverCounts counts;
    for (int i = 0; i < farm.nodes(); ++i) {
        const QJsonObject sentinel = sentinelHealth(farm, i);
        counts.failovers += sentinel.value(u"failovers").toInt();
        counts.nodeRecoveryMs
            = qMax(counts.nodeRecoveryMs, qint64(sentinel.value(u"lastRecoveryMs").toDouble()));
        counts.unreplicated += farm.metric(i, "farmchat_backplane_unreplicated_total");
    }
    for (int s = 0; s < farm.seats(); ++s)
        counts.historyResets += farm.seat(s).resets;
    return counts;
}

} // namespace farmchat::test
