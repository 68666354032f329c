#pragma once

#include <QProcess>
#include <QString>

namespace farmchat {

// The words a user reads when a child ends: "exit code 3", "killed by
// SIGKILL", "crashed (SIGSEGV)". `lastLine` (the child's last output line, if
// any) is appended after a colon to a non-zero exit code, because that line
// usually says why ("exit code 3: port 9090 in use").
QString describeExit(int exitCode, QProcess::ExitStatus status, const QString &lastLine = {});

// "SIGKILL" for 9 on Unix; "signal N" when unknown or on Windows.
QString signalName(int number);

} // namespace farmchat
