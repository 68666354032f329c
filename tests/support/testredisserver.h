#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QList>
#include <QProcess>
#include <QTemporaryDir>
#include <QVariant>

#include <memory>

namespace farmchat {
class ProcessGuard;
}

namespace farmchat::test {

// A reply from TestRedisServer::command(): bulk and simple strings are
// QByteArray, integers qint64, arrays QVariantList, nil an invalid QVariant.
struct RedisReply
{
    bool ok = false; // false: an error reply, or no reply at all
    QVariant value;
    QByteArray error; // the error text when !ok
};

// A private redis-server for one test: a free port on 127.0.0.1, a random
// password, no persistence, its own temp dir. The binary comes from
// FARMCHAT_REDIS_SERVER or PATH; when missing, start() fails with a message
// saying how to install it (tests must fail loudly, not skip).
class TestRedisServer
{
public:
    TestRedisServer();
    // With a given password, e.g. one shared by the nodes of a TestRedisCluster.
    explicit TestRedisServer(QByteArray password);
    ~TestRedisServer();
    TestRedisServer(const TestRedisServer &) = delete;
    TestRedisServer &operator=(const TestRedisServer &) = delete;

    // Starts on a fresh free port (or the same port again after kill()/stop());
    // ok once it answers PING, otherwise why not.
    Result<void> start(const QByteArray &extraConfig = {});
    void kill(); // SIGKILL: what a crash looks like
    void stop(); // SHUTDOWN NOSAVE, then SIGKILL if needed
    // Kill and start again on the same port with the same password; the data is gone.
    Result<void> restart();
    // Kill and start again in the same data dir: with persistence in the extra
    // config (e.g. "appendonly yes\nappendfsync always\n") the data survives.
    Result<void> restartKeepingData();
    bool isRunning() const;

    quint16 port() const { return m_port; }
    QByteArray password() const { return m_password; }
    QString url(int db = 0) const;
    qint64 pid() const;

    // A blocking command on a fresh authenticated connection (test code only).
    RedisReply command(const QList<QByteArray> &arguments, int timeoutMs = 5000) const;
    // What the memory and capacity tests read and set through command().
    qint64 usedMemory() const; // INFO memory's used_memory; -1 when unreadable
    qint64 dbSize() const; // DBSIZE; -1 when unreadable
    bool setMaxMemory(qint64 bytes) const; // CONFIG SET maxmemory

    static QString binaryPath();
    // A fresh random password of 32 letters and digits.
    static QByteArray randomPassword();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_process;
    std::unique_ptr<ProcessGuard> m_guard;
    QByteArray m_password;
    QByteArray m_extraConfig;
    quint16 m_port = 0;
    bool m_keepDir = false;
};

// A blocking command after AUTH on a fresh connection to 127.0.0.1:port, for
// servers a test did not start itself (the launcher's primary and replica).
RedisReply commandAt(quint16 port, const QByteArray &password, const QList<QByteArray> &arguments,
    int timeoutMs = 5000);

// Starts `server`: ok, or the reason it did not start.
Result<void> startRedisOrExplain(TestRedisServer &server, const QByteArray &extraConfig = {});

// AUTH, then one inline command, on a fresh connection to 127.0.0.1:port:
// the first line of the second reply ("+PONG", "-WRONGPASS …"), or
// "no connection". For processes a test did not start through
// TestRedisServer, such as the launcher's own Redis.
QByteArray inlineCommandAfterAuth(
    quint16 port, const QByteArray &password, const QByteArray &command);

} // namespace farmchat::test

// Starts a TestRedisServer (optionally with extra config) or fails the test
// with the reason.
#define FARMCHAT_START_REDIS(...)                                                                  \
    do {                                                                                           \
        const auto started = farmchat::test::startRedisOrExplain(__VA_ARGS__);                     \
        QVERIFY2(started.ok(), qPrintable(started.error()));                                       \
    } while (false)
