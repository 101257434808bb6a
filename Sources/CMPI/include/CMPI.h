// Open MPI, loaded at run time: `prep` links no MPI library, so it builds and runs on a
// machine without one. When the process was started by mpirun or srun (their environment
// variables are set), `cmpi_init` dlopens Open MPI's libmpi.so.40 and resolves the few
// functions the trainer calls plus Open MPI's predefined handles, which in Open MPI are the
// addresses of data symbols (`ompi_mpi_comm_world`, `ompi_mpi_float`, `ompi_mpi_op_sum`, ...).
// That makes this shim Open MPI-specific (MPICH's handles are integer constants).
#ifndef CMPI_H
#define CMPI_H

#include <stddef.h>
#include <stdint.h>

/// 1 when the environment says an MPI launcher started this process (OMPI_COMM_WORLD_SIZE,
/// PMIX_RANK, PMI_RANK or PMI_SIZE set), else 0.
int cmpi_launched(void);

/// Loads libmpi (`library`, NULL: "libmpi.so.40"), resolves the symbols and calls
/// MPI_Init_thread (MPI_THREAD_SERIALIZED). 0 on success; else a one-line reason in `error`.
int cmpi_init(const char *library, char *error, size_t error_size);

int cmpi_rank(void);
int cmpi_size(void);

/// In-place sum over all ranks (blocking).
void cmpi_allreduce_float_sum(float *buffer, int64_t count);
void cmpi_allreduce_double_sum(double *buffer, int64_t count);
void cmpi_allreduce_int64_max(int64_t *buffer, int64_t count);
void cmpi_allreduce_int64_min(int64_t *buffer, int64_t count);

/// Starts an in-place non-blocking float sum; `*request` is what `cmpi_test`/`cmpi_wait` take.
void cmpi_iallreduce_float_sum(float *buffer, int64_t count, void **request);
/// 1 when the request has completed (it is then freed), else 0; gives MPI a chance to progress.
int cmpi_test(void **request);
void cmpi_wait(void **request);

/// Every rank's `count` values, rank after rank, into `all` (size × count).
void cmpi_allgather_int64(const int64_t *mine, int64_t *all, int64_t count);
/// Rank 0 receives every rank's bytes into `all` at `offsets` (both used on rank 0 only).
void cmpi_gatherv_bytes(const void *mine, int64_t count, void *all, const int *counts, const int *offsets);

void cmpi_barrier(void);
/// Ends every process of the job with `code` (MPI_Abort on MPI_COMM_WORLD).
void cmpi_abort(int code);
void cmpi_finalize(void);

#endif
