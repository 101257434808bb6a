#include "CMPI.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Open MPI's handles are pointers to its predefined objects; the functions take them as
// opaque pointers. MPI_IN_PLACE is (void *)1 and MPI_STATUS_IGNORE is NULL in Open MPI's mpi.h.
typedef void *handle;
#define OMPI_IN_PLACE ((void *)1)
#define OMPI_STATUS_IGNORE ((void *)0)
#define OMPI_THREAD_SERIALIZED 2

static int (*p_init_thread)(int *, char ***, int, int *);
static int (*p_comm_rank)(handle, int *);
static int (*p_comm_size)(handle, int *);
static int (*p_allreduce)(const void *, void *, int, handle, handle, handle);
static int (*p_iallreduce)(const void *, void *, int, handle, handle, handle, void **);
static int (*p_test)(void **, int *, void *);
static int (*p_wait)(void **, void *);
static int (*p_allgather)(const void *, int, handle, void *, int, handle, handle);
static int (*p_gatherv)(const void *, int, handle, void *, const int *, const int *, handle, int, handle);
static int (*p_barrier)(handle);
static int (*p_abort)(handle, int);
static int (*p_finalize)(void);

static handle comm_world, type_float, type_double, type_int64, type_byte, op_sum, op_max, op_min;

int cmpi_launched(void) {
    const char *names[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (getenv(names[i]) != NULL) return 1;
    return 0;
}

static void *lib;

static int resolve(void **slot, const char *name, char *error, size_t size) {
    *slot = dlsym(lib, name);
    if (*slot == NULL) {
        snprintf(error, size, "%s is not in the MPI library (Open MPI's libmpi.so.40 is needed)", name);
        return -1;
    }
    return 0;
}

int cmpi_init(const char *library, char *error, size_t size) {
    const char *name = library ? library : "libmpi.so.40";
    // RTLD_GLOBAL: Open MPI's components (dlopened by libmpi itself) resolve libmpi's symbols.
    lib = dlopen(name, RTLD_NOW | RTLD_GLOBAL);
    if (lib == NULL) {
        const char *why = dlerror();
        snprintf(error, size, "started by an MPI launcher but %s cannot be loaded (%s); install Open MPI (apt-get install openmpi-bin libopenmpi-dev)", name, why ? why : "not found");
        return -1;
    }
    struct { void **slot; const char *name; } symbols[] = {
        {(void **)&p_init_thread, "MPI_Init_thread"}, {(void **)&p_comm_rank, "MPI_Comm_rank"},
        {(void **)&p_comm_size, "MPI_Comm_size"}, {(void **)&p_allreduce, "MPI_Allreduce"},
        {(void **)&p_iallreduce, "MPI_Iallreduce"}, {(void **)&p_test, "MPI_Test"},
        {(void **)&p_wait, "MPI_Wait"}, {(void **)&p_allgather, "MPI_Allgather"},
        {(void **)&p_gatherv, "MPI_Gatherv"}, {(void **)&p_barrier, "MPI_Barrier"},
        {(void **)&p_abort, "MPI_Abort"}, {(void **)&p_finalize, "MPI_Finalize"},
        {&comm_world, "ompi_mpi_comm_world"}, {&type_float, "ompi_mpi_float"},
        {&type_double, "ompi_mpi_double"}, {&type_int64, "ompi_mpi_int64_t"}, {&type_byte, "ompi_mpi_byte"},
        {&op_sum, "ompi_mpi_op_sum"}, {&op_max, "ompi_mpi_op_max"}, {&op_min, "ompi_mpi_op_min"},
    };
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++)
        if (resolve(symbols[i].slot, symbols[i].name, error, size) != 0) return -1;
    int provided = 0;
    if (p_init_thread(NULL, NULL, OMPI_THREAD_SERIALIZED, &provided) != 0) {
        snprintf(error, size, "MPI_Init_thread failed");
        return -1;
    }
    return 0;
}

int cmpi_rank(void) { int r = 0; p_comm_rank(comm_world, &r); return r; }
int cmpi_size(void) { int s = 1; p_comm_size(comm_world, &s); return s; }

// MPI counts are int: long buffers go in pieces of at most 2^30 elements.
#define PIECE (1LL << 30)

static void allreduce(void *buffer, int64_t count, size_t width, handle type, handle op) {
    char *b = buffer;
    for (int64_t done = 0; done < count; done += PIECE) {
        int64_t n = count - done < PIECE ? count - done : PIECE;
        p_allreduce(OMPI_IN_PLACE, b + done * width, (int)n, type, op, comm_world);
    }
}

void cmpi_allreduce_float_sum(float *b, int64_t n) { allreduce(b, n, sizeof *b, type_float, op_sum); }
void cmpi_allreduce_double_sum(double *b, int64_t n) { allreduce(b, n, sizeof *b, type_double, op_sum); }
void cmpi_allreduce_int64_max(int64_t *b, int64_t n) { allreduce(b, n, sizeof *b, type_int64, op_max); }
void cmpi_allreduce_int64_min(int64_t *b, int64_t n) { allreduce(b, n, sizeof *b, type_int64, op_min); }

void cmpi_iallreduce_float_sum(float *buffer, int64_t count, void **request) {
    if (count > PIECE) {  // a bucket is far smaller; keep the call correct anyway
        allreduce(buffer, count, sizeof *buffer, type_float, op_sum);
        *request = NULL;
        return;
    }
    p_iallreduce(OMPI_IN_PLACE, buffer, (int)count, type_float, op_sum, comm_world, request);
}

int cmpi_test(void **request) {
    if (*request == NULL) return 1;
    int flag = 0;
    p_test(request, &flag, OMPI_STATUS_IGNORE);
    if (flag) *request = NULL;
    return flag;
}

void cmpi_wait(void **request) {
    if (*request == NULL) return;
    p_wait(request, OMPI_STATUS_IGNORE);
    *request = NULL;
}

void cmpi_allgather_int64(const int64_t *mine, int64_t *all, int64_t count) {
    p_allgather(mine, (int)count, type_int64, all, (int)count, type_int64, comm_world);
}

void cmpi_gatherv_bytes(const void *mine, int64_t count, void *all, const int *counts, const int *offsets) {
    p_gatherv(mine, (int)count, type_byte, all, counts, offsets, type_byte, 0, comm_world);
}

void cmpi_barrier(void) { p_barrier(comm_world); }
void cmpi_abort(int code) { p_abort(comm_world, code); }
void cmpi_finalize(void) { p_finalize(); }
