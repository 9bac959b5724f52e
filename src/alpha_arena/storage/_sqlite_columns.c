/* Read a SELECT's result from SQLite straight into columns of 8-byte numbers.
 *
 * The statement runs on the sqlite3 handle of a connection Python's own sqlite3 module opened
 * (the engine's pooled connection), through the same shared SQLite library: the module refuses
 * to import when the library it is linked against is not the one _sqlite3 uses, because two
 * copies of SQLite in one process break each other's POSIX locks (see
 * docs/decisions/0001-market-data-storage.md). Values go into bytearrays that the caller views
 * as numpy arrays, without a Python object per value. The interpreter lock is released while
 * SQLite steps. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

/* CPython's sqlite3.Connection (Modules/_sqlite/connection.h) begins with the object header and
 * then the sqlite3 handle in the versions checked: extend the range only after checking. */
#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030E0000
#error "the layout of sqlite3.Connection is only checked for CPython 3.11 to 3.13"
#endif

typedef struct {
    PyObject_HEAD
    sqlite3 *db;
} ConnectionHead;

static PyTypeObject *connection_type; /* sqlite3.Connection */
static PyObject *python_sqlite3;

#define INITIAL_ROWS 4096

/* Raise the sqlite3 module's exception for ``code``, as sqlite3's own cursors do. */
static void
raise_sqlite_error(sqlite3 *db, int code)
{
    const char *name;
    switch (code & 0xff) {
    case SQLITE_NOMEM:
        PyErr_NoMemory();
        return;
    case SQLITE_INTERNAL:
    case SQLITE_NOTFOUND:
        name = "InternalError";
        break;
    case SQLITE_CORRUPT:
        name = "DatabaseError";
        break;
    case SQLITE_TOOBIG:
        name = "DataError";
        break;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
        name = "IntegrityError";
        break;
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
        name = "InterfaceError";
        break;
    case SQLITE_ERROR:
    case SQLITE_PERM:
    case SQLITE_ABORT:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_READONLY:
    case SQLITE_INTERRUPT:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
    case SQLITE_EMPTY:
    case SQLITE_SCHEMA:
        name = "OperationalError";
        break;
    default:
        name = "DatabaseError";
    }
    PyObject *type = PyObject_GetAttrString(python_sqlite3, name);
    if (type == NULL) {
        return;
    }
    PyObject *error = PyObject_CallFunction(type, "s", sqlite3_errmsg(db));
    if (error != NULL) {
        PyObject *extended = PyLong_FromLong(sqlite3_extended_errcode(db));
        if (extended == NULL || PyObject_SetAttrString(error, "sqlite_errorcode", extended) < 0) {
            Py_XDECREF(extended);
            Py_DECREF(error);
            Py_DECREF(type);
            return;
        }
        Py_DECREF(extended);
        PyErr_SetObject(type, error);
        Py_DECREF(error);
    }
    Py_DECREF(type);
}

/* Raise ``module.name(message)``. */
static void
raise_named(PyObject *module, const char *name, const char *message)
{
    PyObject *type = PyObject_GetAttrString(module, name);
    if (type != NULL) {
        PyErr_SetString(type, message);
        Py_DECREF(type);
    }
}

/* Grow every column to hold ``rows`` values; refresh ``data``. Needs the interpreter lock. */
static int
grow(PyObject *columns, Py_ssize_t width, Py_ssize_t rows, char **data)
{
    for (Py_ssize_t c = 0; c < width; c++) {
        PyObject *column = PyTuple_GET_ITEM(columns, c);
        if (PyByteArray_Resize(column, rows * 8) < 0) {
            return -1;
        }
        data[c] = PyByteArray_AS_STRING(column);
    }
    return 0;
}

/* Whether ``tail``, what follows the prepared statement, holds another statement (whitespace
 * and comments do not count). */
static int
another_statement(sqlite3 *db, const char *tail)
{
    sqlite3_stmt *next = NULL;
    int code = sqlite3_prepare_v2(db, tail, -1, &next, NULL);
    sqlite3_finalize(next);
    return code != SQLITE_OK || next != NULL;
}

PyDoc_STRVAR(read_doc,
"read(connection, query, kinds, /)\n--\n\n"
"Run one SELECT on a sqlite3.Connection; return a tuple of bytearrays, one per result\n"
"column, holding native 8-byte values: 'd' for float64 (NULL as NaN), 'q' for int64 (NULL\n"
"as the smallest int64, as numpy casts NaN). The statement is its own read transaction\n"
"unless the connection is inside one.");

static PyObject *
read_columns(PyObject *module, PyObject *args)
{
    PyObject *connection;
    const char *query;
    const char *kinds;
    Py_ssize_t width;
    PyObject *columns = NULL;
    char **data = NULL;
    sqlite3_stmt *statement = NULL;
    const char *tail = NULL;
    Py_ssize_t capacity = INITIAL_ROWS;
    Py_ssize_t rows = 0;
    int code = SQLITE_OK;
    /* 1: SQLite failed, 2: a Python exception is set, 3: the column count differs, 4: more
     * than one statement */
    int failure = 0;
    (void)module;

    if (!PyArg_ParseTuple(args, "Oss#:read", &connection, &query, &kinds, &width)) {
        return NULL;
    }
    if (!PyObject_TypeCheck(connection, connection_type)) {
        PyErr_SetString(PyExc_TypeError, "read() needs a sqlite3.Connection");
        return NULL;
    }
    for (Py_ssize_t c = 0; c < width; c++) {
        if (kinds[c] != 'd' && kinds[c] != 'q') {
            PyErr_Format(PyExc_ValueError, "column kind '%c' is not 'd' or 'q'", kinds[c]);
            return NULL;
        }
    }
    sqlite3 *db = ((ConnectionHead *)connection)->db;
    if (db == NULL) {
        raise_named(python_sqlite3, "ProgrammingError", "Cannot operate on a closed database.");
        return NULL;
    }
    columns = PyTuple_New(width);
    data = PyMem_Calloc(width ? (size_t)width : 1, sizeof(char *));
    if (columns == NULL || data == NULL) {
        PyErr_NoMemory();
        goto failed;
    }
    for (Py_ssize_t c = 0; c < width; c++) {
        PyObject *column = PyByteArray_FromStringAndSize(NULL, 0);
        if (column == NULL) {
            goto failed;
        }
        PyTuple_SET_ITEM(columns, c, column);
    }
    if (grow(columns, width, capacity, data) < 0) {
        goto failed;
    }

    Py_BEGIN_ALLOW_THREADS
    code = sqlite3_prepare_v2(db, query, -1, &statement, &tail);
    if (code != SQLITE_OK) {
        failure = 1;
    }
    else if (statement != NULL && sqlite3_column_count(statement) != width) {
        failure = 3;
    }
    else if (statement != NULL && another_statement(db, tail)) {
        failure = 4;
    }
    while (!failure && statement != NULL) {
        code = sqlite3_step(statement);
        if (code == SQLITE_DONE) {
            break;
        }
        if (code != SQLITE_ROW) {
            failure = 1;
            break;
        }
        if (rows == capacity) {
            Py_BLOCK_THREADS
            capacity *= 2;
            if (grow(columns, width, capacity, data) < 0) {
                failure = 2;
            }
            Py_UNBLOCK_THREADS
            if (failure) {
                break;
            }
        }
        for (int c = 0; c < (int)width; c++) {
            /* A zero may be a NULL, which sqlite3 gives as None (NaN in a float64 array, the
             * smallest int64 once that is cast): only then ask the value's type. */
            if (kinds[c] == 'd') {
                double value = sqlite3_column_double(statement, c);
                if (value == 0.0 && sqlite3_column_type(statement, c) == SQLITE_NULL) {
                    value = NAN;
                }
                memcpy(data[c] + rows * 8, &value, 8);
            }
            else {
                sqlite3_int64 value = sqlite3_column_int64(statement, c);
                if (value == 0 && sqlite3_column_type(statement, c) == SQLITE_NULL) {
                    value = INT64_MIN;
                }
                memcpy(data[c] + rows * 8, &value, 8);
            }
        }
        rows++;
    }
    if (failure == 1) {
        /* Before finalizing, which may reset the connection's error message. */
        Py_BLOCK_THREADS
        raise_sqlite_error(db, code);
        Py_UNBLOCK_THREADS
    }
    /* Ends the statement's read transaction (unless the connection is inside its own). */
    sqlite3_finalize(statement);
    Py_END_ALLOW_THREADS

    if (failure == 3) {
        PyErr_Format(PyExc_ValueError,
                     "the query returns a number of columns other than the %zd kinds given",
                     width);
    }
    else if (failure == 4) {
        raise_named(python_sqlite3, "ProgrammingError",
                    "You can only execute one statement at a time.");
    }
    if (failure || grow(columns, width, rows, data) < 0) {
        goto failed;
    }
    PyMem_Free(data);
    return columns;

failed:
    PyMem_Free(data);
    Py_XDECREF(columns);
    return NULL;
}

/* The address _sqlite3 resolves ``sqlite3_libversion`` to, or NULL if it cannot be told. */
static void *
python_sqlite_symbol(void)
{
    PyObject *extension = PyImport_ImportModule("_sqlite3");
    if (extension == NULL) {
        return NULL;
    }
    PyObject *file = PyObject_GetAttrString(extension, "__file__");
    Py_DECREF(extension);
    if (file == NULL) {
        PyErr_Clear(); /* built into the interpreter: not comparable */
        return NULL;
    }
    PyObject *path = PyUnicode_EncodeFSDefault(file);
    Py_DECREF(file);
    if (path == NULL) {
        return NULL;
    }
    void *handle = dlopen(PyBytes_AS_STRING(path), RTLD_LAZY | RTLD_NOLOAD);
    Py_DECREF(path);
    if (handle == NULL) {
        return NULL;
    }
    /* Searches _sqlite3 and the libraries it loaded, in that order. */
    void *symbol = dlsym(handle, "sqlite3_libversion");
    dlclose(handle);
    return symbol;
}

static PyMethodDef methods[] = {
    {"read", read_columns, METH_VARARGS, read_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef definition = {
    PyModuleDef_HEAD_INIT, "_sqlite_columns",
    "Read SQLite query results into columns, through Python's own SQLite library.",
    -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__sqlite_columns(void)
{
    python_sqlite3 = PyImport_ImportModule("sqlite3");
    if (python_sqlite3 == NULL) {
        return NULL;
    }
    void *theirs = python_sqlite_symbol();
    if (PyErr_Occurred()) {
        return NULL;
    }
    if (theirs != (void *)sqlite3_libversion) {
        PyErr_Format(PyExc_ImportError,
                     "_sqlite_columns is linked to SQLite %s, which is not the library "
                     "Python's sqlite3 module uses (a second copy of SQLite in one process "
                     "breaks its file locks)", sqlite3_libversion());
        return NULL;
    }
    connection_type = (PyTypeObject *)PyObject_GetAttrString(python_sqlite3, "Connection");
    if (connection_type == NULL) {
        return NULL;
    }
    if (!PyType_Check(connection_type)) {
        PyErr_SetString(PyExc_ImportError, "sqlite3.Connection is not a type");
        return NULL;
    }
    return PyModule_Create(&definition);
}
