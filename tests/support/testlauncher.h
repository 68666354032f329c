#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>

#include <functional>
#include <memory>

namespace farmchat {
class ProcessGuard;
}

namespace farmchat::test {

// A real farmchat-launcher run for a test (FARMCHAT_LAUNCHER_BIN, set by
// ctest) with its own TMPDIR, stdout read as --json events, stderr kept.
// Killed on destruction, and its farm with it (children die with the launcher).
class TestLauncher
{
public:
    explicit TestLauncher(QStringList arguments,
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment());
    ~TestLauncher();
    TestLauncher(const TestLauncher &) = delete;
    TestLauncher &operator=(const TestLauncher &) = delete;

    // The test's environment without FARMCHAT_REDIS_PASSWORD: the launcher
    // then makes its own Redis with a password of its own.
    static QProcessEnvironment environmentWithoutRedisPassword();

    // The child's environment, to adjust before start().
    QProcessEnvironment &environment() { return m_environment; }
    // Ok once the process runs, otherwise why it did not start.
    Result<void> start();
    // Reads (bounded) until an event named `name` arrives; {} on timeout or exit.
    QJsonObject waitForEvent(const QString &name, int timeoutMs = 20000);
    // Reads (bounded) until an event `match` accepts arrives; {} on timeout or exit.
    QJsonObject waitFor(
        const std::function<bool(const QJsonObject &)> &match, int timeoutMs = 20000);
    // Reads (bounded) until stderr holds `text`.
    bool waitForStderr(const QByteArray &text, int timeoutMs = 20000);
    // Writes one control line (--control stdin) and reads until the reply
    // carrying its "id" arrives; {} on timeout (scaled by the time factor).
    QJsonObject command(const QJsonObject &line, int timeoutMs = 30000);
    // The launcher's stdin (--control stdin): bytes written as they are, then closed.
    void write(const QByteArray &bytes);
    void closeInput();
    void terminate(); // SIGTERM, as Ctrl-C would
    bool waitForExit(int timeoutMs = 15000);
    int exitCode() const; // -1 after a crash

    qint64 pid() const;
    QString tempDir() const { return m_tmp.path(); }
    QByteArray out() const { return m_out; }
    QByteArray err() const { return m_err; }
    const QList<QJsonObject> &events() const { return m_events; }
    bool allStdoutIsJson() const { return m_nonJsonLines == 0; }
    // What the run left in its TMPDIR.
    QStringList leftovers() const;

private:
    void readOutput();

    QStringList m_arguments;
    QProcessEnvironment m_environment;
    QTemporaryDir m_tmp;
    std::unique_ptr<ProcessGuard> m_guard;
    QProcess m_process;
    QByteArray m_pending;
    QByteArray m_out;
    QByteArray m_err;
    QList<QJsonObject> m_events;
    int m_nonJsonLines = 0;
};

} // namespace farmchat::test
