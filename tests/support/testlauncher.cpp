#include "tests/support/testlauncher.h"

#include "platform/processguard.h"
#include "tests/support/timefactor.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonDocument>

namespace farmchat::test {

TestLauncher::TestLauncher(QStringList arguments, QProcessEnvironment environment)
    : m_arguments(std::move(arguments))
    , m_environment(std::move(environment))
    , m_guard(std::make_unique<ProcessGuard>())
{
    m_environment.insert(QStringLiteral("TMPDIR"), m_tmp.path());
}

TestLauncher::~TestLauncher()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

Result<void> TestLauncher::start()
{
    const QString binary = qEnvironmentVariable("FARMCHAT_LAUNCHER_BIN");
    if (binary.isEmpty()) {
        return Result<void>::failure(
            QStringLiteral("FARMCHAT_LAUNCHER_BIN is not set: run this test through ctest"));
    }
    m_process.setProcessEnvironment(m_environment);
    m_guard->prepare(m_process);
    m_process.start(binary, m_arguments);
    if (!m_process.waitForStarted(5000)) {
        return Result<void>::failure(
            QStringLiteral("cannot start %1: %2").arg(binary, m_process.errorString()));
    }
    m_guard->adopt(m_process);
    return {};
}

QProcessEnvironment TestLauncher::environmentWithoutRedisPassword()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("FARMCHAT_REDIS_PASSWORD"));
    return environment;
}

QJsonObject TestLauncher::command(const QJsonObject &line, int timeoutMs)
{
    write(QJsonDocument(line).toJson(QJsonDocument::Compact) + '\n');
    const QJsonValue id = line.value(u"id");
    return waitFor(
        [&id](const QJsonObject &event) {
            return event.value(u"event").toString() == u"reply" && event.value(u"id") == id;
        },
        scaledMs(timeoutMs));
}

QJsonObject TestLauncher::waitForEvent(const QString &name, int timeoutMs)
{
    return waitFor(
        [&name](const QJsonObject &event) { return event.value(u"event").toString() == name; },
        timeoutMs);
}

QJsonObject TestLauncher::waitFor(
    const std::function<bool(const QJsonObject &)> &match, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    for (;;) {
        readOutput();
        for (const QJsonObject &event : std::as_const(m_events)) {
            if (match(event))
                return event;
        }
        if (m_process.state() == QProcess::NotRunning) {
            // Said here, as a failing test often shows only the (empty) stderr.
            // With --json a failed start is an event on stdout: the last one says why.
            qWarning("farmchat-launcher ended while a test waited for an event: %s; last event: %s",
                m_process.exitStatus() == QProcess::CrashExit
                    ? "it crashed (killed by a signal)"
                    : qPrintable(QStringLiteral("exit code %1").arg(m_process.exitCode())),
                m_events.isEmpty()
                    ? "none"
                    : QJsonDocument(m_events.last()).toJson(QJsonDocument::Compact).constData());
            return {};
        }
        if (clock.elapsed() > timeoutMs)
            return {};
        m_process.waitForReadyRead(100);
    }
}

bool TestLauncher::waitForStderr(const QByteArray &text, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    for (;;) {
        readOutput();
        if (m_err.contains(text))
            return true;
        if (clock.elapsed() > timeoutMs || m_process.state() == QProcess::NotRunning)
            return false;
        m_process.waitForReadyRead(100);
    }
}

void TestLauncher::write(const QByteArray &bytes)
{
    m_process.write(bytes);
    m_process.waitForBytesWritten(5000);
}

void TestLauncher::closeInput()
{
    m_process.closeWriteChannel();
}

void TestLauncher::terminate()
{
    ProcessGuard::requestStop(m_process);
}

bool TestLauncher::waitForExit(int timeoutMs)
{
    const bool done
        = m_process.state() == QProcess::NotRunning || m_process.waitForFinished(timeoutMs);
    readOutput();
    return done;
}

int TestLauncher::exitCode() const
{
    return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
}

qint64 TestLauncher::pid() const
{
    return m_process.processId();
}

void TestLauncher::readOutput()
{
    m_err += m_process.readAllStandardError();
    m_pending += m_process.readAllStandardOutput();
    qsizetype newline;
    while ((newline = m_pending.indexOf('\n')) >= 0) {
        const QByteArray line = m_pending.left(newline);
        m_pending.remove(0, newline + 1);
        m_out += line + '\n';
        const QJsonDocument document = QJsonDocument::fromJson(line);
        if (document.isObject())
            m_events << document.object();
        else
            ++m_nonJsonLines;
    }
}

QStringList TestLauncher::leftovers() const
{
    return QDir(m_tmp.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot);
}

} // namespace farmchat::test
