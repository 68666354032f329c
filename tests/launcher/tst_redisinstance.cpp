#include "launcher/managedprocess.h"
#include "launcher/redisinstance.h"
#include "launcher/redismemorypoll.h"
#include "platform/processguard.h"
#include "tests/support/testredisserver.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace farmchat;
using farmchat::test::inlineCommandAfterAuth;

// The private redis-server for real: configured through stdin, reachable only
// with its password, its directory gone when it stops.
class tst_RedisInstance : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void startsAndAnswersOnlyWithItsPassword();
    void takenPortFailsWithRedisOwnWords();
    void lostBusPortRaceIsRetriedOnAnotherPort();
    void memoryIsCapped();

private:
    QString m_program;
    ProcessGuard m_guard;
};

void tst_RedisInstance::initTestCase()
{
    m_program = farmchat::test::TestRedisServer::binaryPath();
    QVERIFY2(!m_program.isEmpty(), "redis-server is needed: sudo apt-get install redis-server");
}

void tst_RedisInstance::startsAndAnswersOnlyWithItsPassword()
{
    RedisInstance redis(m_program, m_guard);
    QSignalSpy ready(&redis, &RedisInstance::ready);
    QSignalSpy failed(&redis, &RedisInstance::failed);
    redis.start();
    QTRY_COMPARE_WITH_TIMEOUT(ready.size(), 1, 10000);
    QVERIFY(failed.isEmpty());
    QCOMPARE(redis.process()->state(), ProcessState::Healthy);
    QVERIFY(redis.port() != 0);
    QCOMPARE(redis.url(), QStringLiteral("redis://127.0.0.1:%1/0").arg(redis.port()));
    QCOMPARE(inlineCommandAfterAuth(redis.port(), redis.password(), "PING"), QByteArray("+PONG"));
    QVERIFY(inlineCommandAfterAuth(redis.port(), "guess", "PING").startsWith("-"));
    // Persistence off, files in its own dir.
    QCOMPARE(inlineCommandAfterAuth(redis.port(), redis.password(), "CONFIG GET appendonly"),
        QByteArray("*2\r\n$10\r\nappendonly\r\n$2\r\nno"));
    const QString dir = redis.directory();
    QVERIFY(QDir(dir).exists());
    QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(redis.process()->pid()));
    QVERIFY(cmdline.open(QIODevice::ReadOnly));
    QVERIFY(!cmdline.readAll().contains(redis.password()));

    redis.stop();
    QTRY_COMPARE_WITH_TIMEOUT(redis.process()->state(), ProcessState::Stopped, 5000);
    QVERIFY(!QDir(dir).exists());
    QVERIFY(redis.directory().isEmpty());
}

// The cap is in the running Redis, read back as an operator would.
void tst_RedisInstance::memoryIsCapped()
{
    for (const qint64 cap : {RedisConfig::kDefaultMaxMemoryBytes, qint64(8) << 20}) {
        RedisInstance redis(m_program, m_guard);
        if (cap != RedisConfig::kDefaultMaxMemoryBytes)
            redis.setMaxMemoryBytes(cap);
        QSignalSpy ready(&redis, &RedisInstance::ready);
        redis.start();
        QTRY_COMPARE_WITH_TIMEOUT(ready.size(), 1, 10000);
        const QByteArray value = QByteArray::number(cap);
        QCOMPARE(inlineCommandAfterAuth(redis.port(), redis.password(), "CONFIG GET maxmemory"),
            "*2\r\n$9\r\nmaxmemory\r\n$" + QByteArray::number(value.size()) + "\r\n" + value);
        QCOMPARE(
            inlineCommandAfterAuth(redis.port(), redis.password(), "CONFIG GET maxmemory-policy"),
            QByteArray("*2\r\n$16\r\nmaxmemory-policy\r\n$10\r\nnoeviction"));
        // What the app shows: Redis' used memory against that cap.
        QTRY_COMPARE_WITH_TIMEOUT(redis.memory().maxBytes(), cap, 5000);
        QVERIFY(redis.memory().usedBytes() > 0);
        QVERIFY(redis.memory().usedBytes() < cap);
        redis.stop();
        QTRY_COMPARE_WITH_TIMEOUT(redis.process()->state(), ProcessState::Stopped, 5000);
    }
}

void tst_RedisInstance::takenPortFailsWithRedisOwnWords()
{
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
    RedisInstance redis(m_program, m_guard);
    QSignalSpy failed(&redis, &RedisInstance::failed);
    redis.start(squatter.serverPort()); // a port given, not picked: no retry elsewhere
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 10000);
    const QString error = failed.first().first().toString();
    QVERIFY2(error.startsWith(QStringLiteral("redis-server on port %1 ended: exit code 1")
                                  .arg(squatter.serverPort())),
        qPrintable(error));
    QVERIFY2(error.contains(u"in use"), qPrintable(error));
    QCOMPARE(redis.process()->state(), ProcessState::Crashed);
    redis.stop(); // removes its dir although it never ran
    QVERIFY(redis.directory().isEmpty());
}

// Another process can bind a picked port (the client port or a cluster node's
// bus port) before redis-server does. redis-server then names the port in its
// last line and says "in use" only on the line before; either way the
// instance picks again instead of failing the farm.
void tst_RedisInstance::lostBusPortRaceIsRetriedOnAnotherPort()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString marker = dir.filePath(QStringLiteral("lost-once"));
    const QString script = dir.filePath(QStringLiteral("redis-server"));
    QFile file(script);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("#!/bin/sh\n"
               "if [ ! -e '"
        + marker.toUtf8()
        + "' ]; then\n"
          "  : > '"
        + marker.toUtf8()
        + "'\n"
          "  echo '1:M # Warning: Could not create server TCP listening socket "
          "127.0.0.1:1: bind: Address already in use'\n"
          "  echo '1:M # Failed listening on port 1 (cluster), aborting.'\n"
          "  exit 1\n"
          "fi\n"
          "exec '"
        + m_program.toUtf8() + "' \"$@\"\n");
    file.close();
    QVERIFY(file.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));

    RedisInstance redis(script, m_guard);
    QSignalSpy ready(&redis, &RedisInstance::ready);
    QSignalSpy failed(&redis, &RedisInstance::failed);
    redis.start();
    const quint16 firstPort = redis.port();
    QTRY_COMPARE_WITH_TIMEOUT(ready.size(), 1, 10000);
    QVERIFY2(
        failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
    QVERIFY(QFile::exists(marker));
    QVERIFY(redis.port() != firstPort);
    QCOMPARE(inlineCommandAfterAuth(redis.port(), redis.password(), "PING"), QByteArray("+PONG"));
    redis.stop();
    QTRY_COMPARE_WITH_TIMEOUT(redis.process()->state(), ProcessState::Stopped, 5000);
}

QTEST_GUILESS_MAIN(tst_RedisInstance)
#include "tst_redisinstance.moc"
