#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QProcess>
#include <QStringList>
#include <QUrl>

#include <memory>

namespace farmchat {
class ProcessGuard;
}

namespace farmchat::test {

// A real farmchat-node process for a test. The binary comes from
// FARMCHAT_NODE_BIN (set by ctest), or setBinary() names another node that
// takes the same flags and prints the same ready line (the ASP.NET Core one). It listens on
// 127.0.0.1 on a port of its own choosing (--port 0) unless the arguments name one. Killed on
// destruction.
class TestNode
{
public:
    explicit TestNode(QStringList arguments = {},
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment());
    ~TestNode();
    TestNode(const TestNode &) = delete;
    TestNode &operator=(const TestNode &) = delete;

    void setBinary(const QString &path) { m_binary = path; }

    // Starts and waits (bounded) for the "listening http://HOST:PORT" line;
    // ok then, otherwise why not (with what the node printed).
    Result<void> start(int timeoutMs = 10000);
    bool isRunning() const;
    quint16 port() const { return m_port; }
    QUrl url(const QString &path = QStringLiteral("/")) const;
    qint64 pid() const;

    void terminate(); // SIGTERM
    void kill(); // SIGKILL
    bool waitForExit(int timeoutMs = 5000);
    int exitCode() const;
    QProcess::ExitStatus exitStatus() const;

    // Everything the node wrote to stdout and stderr so far.
    QByteArray output();

    static QString binaryPath();
    // FARMCHAT_ASPNETCORE_NODE_BIN: set by ctest when the .NET SDK was found.
    static QString aspNetCoreBinaryPath();

private:
    QString m_binary = binaryPath();
    QStringList m_arguments;
    QProcessEnvironment m_environment;
    std::unique_ptr<QProcess> m_process;
    std::unique_ptr<ProcessGuard> m_guard;
    QByteArray m_output;
    quint16 m_port = 0;
};

} // namespace farmchat::test
